/**
 * The local token issuer and the authorizer rules of the deployed HTTP API: a signed JWT (ES256), checked
 * for signature, issuer, audience, expiry and scope, with the claims handed to the function as API
 * Gateway hands them (every claim a string; an array as `[a b]`).
 */
import { timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
} from 'jose';
import { CONSOLE_CLIENT_ID, type LocalClient, type LocalUser } from './clients';

export const LOCAL_AUDIENCE = 'emergency-access';
export const TOKEN_LIFETIME_SECONDS = 3600;
const ALGORITHM = 'ES256';

type Key = Awaited<ReturnType<typeof importJWK>>;

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export interface LocalIssuer {
  issuer: string;
  /** A client-credentials token: the client is the subject. */
  issue(client: LocalClient): Promise<TokenResponse>;
  /** A person's access token through the console client, as Cognito writes one (`username`, `client_id`). */
  issueForUser(user: LocalUser): Promise<TokenResponse>;
  /** The verified claims, as API Gateway passes them on; null when the token is not acceptable. */
  verify(token: string): Promise<VerifiedToken | null>;
  /** The verified claims, or why the token is refused (the 401's error_description). */
  check(token: string): Promise<VerifiedToken | { refused: string }>;
}

export interface VerifiedToken {
  claims: Record<string, string>;
  scopes: string[];
}

/** Why a token is refused, in words for its holder; never the token or a claim's value. */
function refusalOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'The token does not have a valid audience';
    if (error.claim === 'iss') return 'The token was not issued by the expected issuer';
    return `The token's ${error.claim} claim is not valid`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return "The token's signature is not valid";
  if (error instanceof errors.JOSEAlgNotAllowed) return "The token's signing algorithm is not accepted";
  return 'The token is not a valid JWT';
}

/** The signing key pair, created on first start and kept (mode 0600) so tokens survive a restart. */
async function signingKeys(file: string): Promise<{ privateKey: Key; publicKey: Key }> {
  if (!existsSync(file)) {
    const pair = await generateKeyPair(ALGORITHM, { extractable: true });
    writeFileSync(file, JSON.stringify(await exportJWK(pair.privateKey)), { mode: 0o600 });
  }
  const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  const { d: _private, ...publicJwk } = jwk;
  return { privateKey: await importJWK(jwk, ALGORITHM), publicKey: await importJWK(publicJwk, ALGORITHM) };
}

/** An array of plain strings as `[a b]`; anything else (a nested array, an object) as its JSON text. */
function asGatewayClaim(value: unknown): string {
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return `[${value.join(' ')}]`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export async function createLocalIssuer(keyFile: string, issuer: string): Promise<LocalIssuer> {
  const { privateKey, publicKey } = await signingKeys(keyFile);
  const sign = async (claims: JWTPayload, subject: string, scope: string): Promise<TokenResponse> => {
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(LOCAL_AUDIENCE)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(`${TOKEN_LIFETIME_SECONDS}s`)
      .setJti(crypto.randomUUID())
      .sign(privateKey);
    return { access_token: token, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS, scope };
  };
  const check = async (token: string): Promise<VerifiedToken | { refused: string }> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, publicKey, {
        issuer,
        audience: LOCAL_AUDIENCE,
        algorithms: [ALGORITHM],
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      return { refused: refusalOf(error) };
    }
    const claims = Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, asGatewayClaim(v)]));
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    return { claims, scopes };
  };
  return {
    issuer,
    issue: (client) =>
      sign(
        {
          client_id: client.clientId,
          scope: client.scope,
          ...(client.domains ? { domains: client.domains } : {}),
        },
        client.clientId,
        client.scope,
      ),
    issueForUser: (user) =>
      sign(
        {
          client_id: CONSOLE_CLIENT_ID,
          username: user.username,
          token_use: 'access',
          scope: 'eat/admin',
          domains: user.domains,
        },
        user.sub,
        'eat/admin',
      ),
    check,
    verify: async (token) => {
      const result = await check(token);
      return 'refused' in result ? null : result;
    },
  };
}

/** Finds the client whose id and secret match, comparing secrets in constant time. */
export function authenticateClient(
  clients: readonly LocalClient[],
  clientId: string,
  secret: string,
): LocalClient | null {
  const client = clients.find((c) => c.clientId === clientId);
  if (client === undefined) return null;
  const given = Buffer.from(secret);
  const expected = Buffer.from(client.secret);
  return given.length === expected.length && timingSafeEqual(given, expected) ? client : null;
}

/** Finds the named administrator whose password matches, comparing in constant time. */
export function authenticateUser(
  users: readonly LocalUser[],
  username: string,
  password: string,
): LocalUser | null {
  const user = users.find((u) => u.username === username);
  if (user === undefined) return null;
  const given = Buffer.from(password);
  const expected = Buffer.from(user.password);
  return given.length === expected.length && timingSafeEqual(given, expected) ? user : null;
}
