/**
 * Sign-in with the authorization code and PKCE (RFC 7636, S256), as a public client. The access token is
 * kept in memory only: a reload or a new tab signs in again. The PKCE verifier and the state wait in
 * sessionStorage while the browser is at the sign-in page (this tab only, removed as soon as the code is
 * redeemed); the code is taken out of the address bar before anything else runs.
 */
import type { ConsoleConfig } from './config';

const PENDING_KEY = 'eat-console.pkce';

export interface Session {
  accessToken: string;
  username: string;
  domains: string[];
  /** Epoch milliseconds. */
  expiresAt: number;
}

function randomText(bytes: number): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

/** The console's own address, the redirect URI registered for its app client. */
export function redirectUri(): string {
  return new URL('./', document.baseURI).toString();
}

export async function beginSignIn(config: ConsoleConfig): Promise<void> {
  const verifier = randomText(48);
  const state = randomText(24);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(config.auth.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.auth.clientId,
    redirect_uri: redirectUri(),
    scope: config.auth.scope,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
    state,
  }).toString();
  window.location.assign(url.toString());
}

function claimsOf(accessToken: string): Record<string, unknown> {
  const part = accessToken.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
}

function domainsOf(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim === 'string') return claim.split(/[\s,]+/).filter(Boolean);
  return [];
}

/**
 * Finishes a sign-in when the address holds `?code=&state=` (or `?error=`): removes them from the address
 * and the history entry first, then redeems the code. Null when there is nothing to finish.
 */
export async function completeSignIn(config: ConsoleConfig): Promise<Session | null> {
  const query = new URLSearchParams(window.location.search);
  if (!query.has('code') && !query.has('error')) return null;
  window.history.replaceState(null, '', redirectUri());
  const pending = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (query.has('error')) throw new Error(`Sign-in refused: ${query.get('error')}`);
  const { verifier, state } = (pending ? JSON.parse(pending) : {}) as { verifier?: string; state?: string };
  if (!verifier || state !== query.get('state'))
    throw new Error('Sign-in could not be finished: sign in again.');
  const response = await fetch(config.auth.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.auth.clientId,
      code: query.get('code') ?? '',
      redirect_uri: redirectUri(),
      code_verifier: verifier,
    }),
  });
  if (!response.ok) throw new Error('Sign-in could not be finished: sign in again.');
  const token = (await response.json()) as { access_token: string; expires_in: number };
  const claims = claimsOf(token.access_token);
  const expiresAt = typeof claims.exp === 'number' ? claims.exp * 1000 : Date.now() + token.expires_in * 1000;
  return {
    accessToken: token.access_token,
    username: String(claims.username ?? claims.sub ?? 'administrator'),
    domains: domainsOf(claims.domains ?? claims['cognito:groups']),
    expiresAt,
  };
}

/** Ends the identity provider's session too where it has a logout endpoint (Cognito's `/logout`). */
export function providerLogoutUrl(config: ConsoleConfig): string | null {
  if (!config.auth.logoutUrl) return null;
  const url = new URL(config.auth.logoutUrl);
  url.search = new URLSearchParams({
    client_id: config.auth.clientId,
    logout_uri: redirectUri(),
  }).toString();
  return url.toString();
}
