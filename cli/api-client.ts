/**
 * How the `eatctl` verbs reach an endpoint, local or deployed: `--endpoint` (or EATCTL_ENDPOINT), and a
 * bearer token from `--token` (EATCTL_TOKEN), or one fetched with client credentials `--client-id` and
 * `--client-secret` (EATCTL_CLIENT_ID, EATCTL_CLIENT_SECRET) from `--token-url` (EATCTL_TOKEN_URL; the
 * local system's issuer by default).
 */
export interface Connection {
  endpoint: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  tokenUrl?: string;
}

export const CONNECTION_OPTIONS = {
  endpoint: { type: 'string' },
  token: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'token-url': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export const CONNECTION_USAGE =
  '[--endpoint URL] [--token JWT | --client-id ID --client-secret SECRET [--token-url URL]] [--json]';

export function connectionFrom(
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Connection {
  const pick = (flag: string, variable: string) => (values[flag] as string | undefined) ?? env[variable];
  return {
    endpoint: (pick('endpoint', 'EATCTL_ENDPOINT') ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    token: pick('token', 'EATCTL_TOKEN'),
    clientId: pick('client-id', 'EATCTL_CLIENT_ID'),
    clientSecret: pick('client-secret', 'EATCTL_CLIENT_SECRET'),
    tokenUrl: pick('token-url', 'EATCTL_TOKEN_URL'),
  };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    const error = (body as { error?: { code?: string; message?: string; reasons?: string[] } })?.error;
    const reasons = error?.reasons?.length ? ` (${error.reasons.join('; ')})` : '';
    super(`${status} ${error?.code ?? ''}: ${error?.message ?? 'request failed'}${reasons}`);
    this.name = 'ApiError';
  }
}

async function bearerToken(connection: Connection): Promise<string> {
  if (connection.token) return connection.token;
  if (!connection.clientId || !connection.clientSecret) {
    throw new ApiError(401, {
      error: { code: 'UNAUTHENTICATED', message: 'give --token, or --client-id and --client-secret' },
    });
  }
  const url = connection.tokenUrl ?? `${connection.endpoint}/local/oauth2/token`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: connection.clientId,
      client_secret: connection.clientSecret,
    }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string };
  if (!response.ok || !body.access_token) {
    throw new ApiError(response.status, {
      error: { code: 'UNAUTHENTICATED', message: body.error ?? 'no token' },
    });
  }
  return body.access_token;
}

export interface ApiReply {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One API call; throws ApiError for an error status. */
export async function callApi(
  connection: Connection,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; anonymous?: boolean } = {},
): Promise<ApiReply> {
  const headers: Record<string, string> = { ...options.headers };
  if (!options.anonymous) headers.authorization = `Bearer ${await bearerToken(connection)}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${connection.endpoint}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return { status: response.status, headers: response.headers, body };
}
