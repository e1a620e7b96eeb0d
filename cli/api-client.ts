/**
 * How the `eatctl` verbs reach an endpoint, local or deployed: `--endpoint` (or EATCTL_ENDPOINT), and a
 * bearer token from `--token` (EATCTL_TOKEN); or a person's, signed in with `--user` and `--password`
 * (EATCTL_USER, EATCTL_PASSWORD) by authorization code with PKCE at the local issuer; or a client's,
 * fetched with client credentials `--client-id` and `--client-secret` (EATCTL_CLIENT_ID,
 * EATCTL_CLIENT_SECRET). Both from `--token-url` (EATCTL_TOKEN_URL; the local system's issuer by default).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  pathOf,
  type BodyInputOf,
  type ParamsInputOf,
  type QueryInputOf,
  type ReplyOf,
  type RouteDefinition,
} from '../functions/api/contract/route';
import { localDataDir, readLocalEndpoints } from '../local/endpoints';

/** The local issuer's public console client, and the loopback redirect eatctl names (RFC 8252). */
const CONSOLE_CLIENT_ID = 'eat-console';
const LOOPBACK_REDIRECT = 'http://127.0.0.1/eatctl/callback';

export interface Connection {
  endpoint: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  user?: string;
  password?: string;
  tokenUrl?: string;
  /**
   * The verb is an agent's: client credentials, when given, win over a person's sign-in (an administrator
   * who exported EATCTL_USER can still run `EATCTL_CLIENT_ID=... eatctl agent authenticate`).
   */
  asAgent?: boolean;
}

export const CONNECTION_OPTIONS = {
  endpoint: { type: 'string' },
  token: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  'token-url': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export const CONNECTION_USAGE =
  '[--endpoint URL] [--token JWT | --user NAME --password P | --client-id ID --client-secret S] [--token-url URL] [--json]';

/**
 * The local system's primary when no endpoint is named: the one a running `npm start` wrote, else
 * `PORT` (as `npm start` reads it), else the default port.
 */
export function localEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const written = readLocalEndpoints(localDataDir(env))?.primary;
  if (written !== undefined) return written;
  return `http://127.0.0.1:${env.PORT !== undefined && env.PORT !== '' ? env.PORT : '3000'}`;
}

export function connectionFrom(
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Connection {
  const pick = (flag: string, variable: string) => (values[flag] as string | undefined) ?? env[variable];
  return {
    endpoint: (pick('endpoint', 'EATCTL_ENDPOINT') ?? localEndpoint(env)).replace(/\/+$/, ''),
    token: pick('token', 'EATCTL_TOKEN'),
    clientId: pick('client-id', 'EATCTL_CLIENT_ID'),
    clientSecret: pick('client-secret', 'EATCTL_CLIENT_SECRET'),
    user: pick('user', 'EATCTL_USER'),
    password: pick('password', 'EATCTL_PASSWORD'),
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

const unauthenticated = (status: number, message: string) =>
  new ApiError(status, { error: { code: 'UNAUTHENTICATED', message } });

async function tokenFrom(url: string, form: Record<string, string>): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string };
  if (!response.ok || !body.access_token) throw unauthenticated(response.status, body.error ?? 'no token');
  return body.access_token;
}

/**
 * A person's sign-in, authorization code with PKCE: the sign-in form posted to the issuer's authorize
 * endpoint answers with a redirect carrying the code, which only this verifier redeems.
 */
async function signIn(connection: Connection, tokenUrl: string): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const response = await fetch(tokenUrl.replace(/\/token$/, '/authorize'), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      response_type: 'code',
      client_id: CONSOLE_CLIENT_ID,
      redirect_uri: LOOPBACK_REDIRECT,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state,
      username: connection.user!,
      password: connection.password!,
    }).toString(),
  });
  const location = response.headers.get('location');
  if (response.status !== 302 || location === null) throw unauthenticated(response.status, 'sign-in refused');
  const back = new URL(location);
  const code = back.searchParams.get('code');
  if (back.searchParams.get('state') !== state || code === null)
    throw unauthenticated(401, 'sign-in answered badly');
  return tokenFrom(tokenUrl, {
    grant_type: 'authorization_code',
    client_id: CONSOLE_CLIENT_ID,
    redirect_uri: LOOPBACK_REDIRECT,
    code,
    code_verifier: verifier,
  });
}

async function bearerToken(connection: Connection): Promise<string> {
  if (connection.token) return connection.token;
  const url = connection.tokenUrl ?? `${connection.endpoint}/local/oauth2/token`;
  const asClient = connection.asAgent === true && connection.clientId && connection.clientSecret;
  if (!asClient && connection.user && connection.password) return signIn(connection, url);
  if (!connection.clientId || !connection.clientSecret) {
    throw unauthenticated(401, 'give --token, --user and --password, or --client-id and --client-secret');
  }
  return tokenFrom(url, {
    grant_type: 'client_credentials',
    client_id: connection.clientId,
    client_secret: connection.clientSecret,
  });
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

/** A call of one route of the contract: its path, query and body typed by the route's schemas. */
export interface RouteCall<R extends RouteDefinition> {
  params?: ParamsInputOf<R>;
  query?: { [K in keyof QueryInputOf<R>]?: QueryInputOf<R>[K] | undefined };
  body?: BodyInputOf<R>;
  headers?: Record<string, string>;
  /** Through the agent's client credentials rather than a person's sign-in. */
  asAgent?: boolean;
}

export interface RouteReply<R extends RouteDefinition> {
  status: number;
  headers: Headers;
  /** The route's reply as the contract's schema describes it (the service is trusted to keep to it). */
  body: ReplyOf<R>;
}

/** One call of a route of the contract; throws ApiError for an error status. */
export async function callRoute<R extends RouteDefinition>(
  connection: Connection,
  route: R,
  call: RouteCall<R> = {},
): Promise<RouteReply<R>> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(call.query ?? {})) {
    if (value !== undefined) query.set(name, String(value));
  }
  const path = pathOf(route, (call.params ?? {}) as ParamsInputOf<R>);
  const reply = await callApi(
    call.asAgent ? { ...connection, asAgent: true } : connection,
    route.method,
    `${path}${query.size ? `?${query}` : ''}`,
    { body: call.body, headers: call.headers, anonymous: route.scope === null },
  );
  return { ...reply, body: reply.body as ReplyOf<R> };
}
