import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { AppError } from '../../shared/domain/errors';

export type Scope = 'eat/admin' | 'eat/agent';

/** Who is calling, from the JWT claims the authorizer verified. */
export interface Caller {
  /** The administrator's or agent's id: `client_id`, else `username`, else `sub`. */
  id: string;
  scopes: string[];
  /** The security domains an administrator may see; '*' for all (and when the claim is absent). */
  domains: '*' | string[];
}

type Claims = Record<string, string | number | boolean | string[]>;

/**
 * API Gateway hands array claims to the function as strings: `[a b]` for a JWT array, or the JSON text.
 * Accept those, a real array, and space- or comma-separated text.
 */
export function claimList(value: Claims[string] | undefined): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map(String);
  const text = String(value).trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      return text
        .slice(1, -1)
        .split(/[\s,]+/)
        .filter(Boolean);
    }
  }
  return text.split(/[\s,]+/).filter(Boolean);
}

export function callerOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): Caller {
  const jwt = event.requestContext.authorizer?.jwt;
  const claims = (jwt?.claims ?? {}) as Claims;
  const id = [claims.client_id, claims.username, claims.sub].find((v) => typeof v === 'string' && v !== '');
  if (id === undefined) throw new AppError('UNAUTHENTICATED', 'The request carries no verified identity');
  const scopes = [...new Set([...(jwt?.scopes ?? []), ...claimList(claims.scope)])];
  const domainsClaim = claimList(claims.domains);
  const domains = claims.domains === undefined || domainsClaim.includes('*') ? '*' : domainsClaim;
  return { id: String(id), scopes, domains };
}

export function requireScope(caller: Caller, scope: Scope): void {
  if (!caller.scopes.includes(scope)) throw new AppError('FORBIDDEN', `The ${scope} scope is required`);
}
