import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { AppError } from '../../shared/domain/errors';

import type { Scope } from '../api/contract/route';

export type { Scope };

/** The `domains` claim's value for an administrator of every security domain; nothing else means all. */
export const ALL_DOMAINS = '*';

/**
 * Cognito user pool groups that grant domains (infra/stacks/identity-stack.ts creates them): a person in
 * `eat-domain-<id>` administers the security domain `<id>`, one in `eat-all-domains` every domain. Other
 * groups grant nothing.
 */
export const DOMAIN_GROUP_PREFIX = 'eat-domain-';
export const ALL_DOMAINS_GROUP = 'eat-all-domains';
/** A domain id (functions/api/contract/schemas.ts `domainId`): what may follow DOMAIN_GROUP_PREFIX. */
const GROUP_DOMAIN_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Who is calling, from the JWT claims the authorizer verified. */
export interface Caller {
  /**
   * Who acts: the person of a user token (`username`, else `sub`), or the client of a client-credentials
   * token (`client_id`, else `sub`).
   */
  id: string;
  /** The app client a person acted through (a user token's `client_id`); absent for a client token. */
  via?: string;
  scopes: string[];
  /** The security domains an administrator may see: '*' only for an explicit `["*"]`, none when absent. */
  domains: '*' | string[];
}

type Claims = Record<string, string | number | boolean | string[]>;

/** A scope, or a domain id: the only characters either may hold. No bracket, quote or space gets through. */
const CLAIM_ITEM = /^[A-Za-z0-9._/:*-]{1,128}$/;

const invalidClaim = (name: string) =>
  new AppError('FORBIDDEN', `The token's ${name} claim is not valid`, { reasons: [name] });

/**
 * A list claim, parsed strictly. API Gateway hands an array claim to the function as `[a b]` text (or JSON
 * text); a space- or comma-separated string is accepted too, and a real array. Every item must be a plain
 * string of CLAIM_ITEM's characters: a nested array (`["Sales",["*"]]`), an object or a number is refused
 * (null), never flattened into something that reads as `*`.
 */
export function claimList(value: Claims[string] | undefined): string[] | null {
  if (value === undefined) return [];
  let items: unknown[];
  if (Array.isArray(value)) {
    items = value;
  } else if (typeof value !== 'string') {
    return null;
  } else {
    const text = value.trim();
    if (text.startsWith('[')) {
      if (!text.endsWith(']')) return null;
      try {
        const parsed: unknown = JSON.parse(text);
        if (!Array.isArray(parsed)) return null;
        items = parsed;
      } catch {
        items = text
          .slice(1, -1)
          .split(/[\s,]+/)
          .filter(Boolean);
      }
    } else {
      items = text.split(/[\s,]+/).filter(Boolean);
    }
  }
  return items.every((item) => typeof item === 'string' && CLAIM_ITEM.test(item))
    ? (items as string[])
    : null;
}

const textClaim = (value: Claims[string] | undefined): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined;

/**
 * The person or the client. A user token names its person (`username`, as Cognito and the local issuer
 * write it, or a `sub` that is not the client's id) and the app client it came through (`client_id`),
 * recorded beside the person as `via`. A client-credentials token has no person: its `sub` is the client.
 */
function actorOf(claims: Claims): Pick<Caller, 'id' | 'via'> {
  const clientId = textClaim(claims.client_id) ?? textClaim(claims.azp);
  const username = textClaim(claims.username);
  const sub = textClaim(claims.sub);
  const person = username ?? (sub !== undefined && sub !== clientId ? sub : undefined);
  if (person !== undefined && clientId !== undefined) return { id: person, via: clientId };
  const id = person ?? clientId ?? sub;
  if (id === undefined) throw new AppError('UNAUTHENTICATED', 'The request carries no verified identity');
  return { id };
}

/**
 * The domains that a `cognito:groups` claim grants, parsed as strictly as `domains` (a nested or odd value
 * refuses the token, never widens it): `eat-all-domains` is `*`, `eat-domain-<id>` is `<id>` (an id that
 * is not a domain id refuses the token), any other group nothing. No claim: no domain.
 */
export function domainsOfGroups(value: Claims[string] | undefined): Caller['domains'] | null {
  const groups = claimList(value);
  if (groups === null) return null;
  if (groups.includes(ALL_DOMAINS_GROUP)) return ALL_DOMAINS;
  const domains: string[] = [];
  for (const group of groups) {
    if (!group.startsWith(DOMAIN_GROUP_PREFIX)) continue;
    const id = group.slice(DOMAIN_GROUP_PREFIX.length);
    if (!GROUP_DOMAIN_ID.test(id)) return null;
    domains.push(id);
  }
  return [...new Set(domains)];
}

/**
 * Fails closed: no claim is no domain; `*` must be the `domains` claim's only item. A Cognito access token
 * carries no `domains` claim but its user's groups: those grant what domainsOfGroups says, added to any
 * `domains` claim.
 */
function domainsOf(claims: Claims): Caller['domains'] {
  const domains = claimList(claims.domains);
  if (domains === null) throw invalidClaim('domains');
  if (domains.includes(ALL_DOMAINS) && domains.length !== 1) throw invalidClaim('domains');
  const fromGroups = domainsOfGroups(claims['cognito:groups']);
  if (fromGroups === null) throw invalidClaim('cognito:groups');
  if (domains.includes(ALL_DOMAINS) || fromGroups === ALL_DOMAINS) return ALL_DOMAINS;
  return [...new Set([...domains, ...fromGroups])];
}

export function callerOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): Caller {
  const jwt = event.requestContext.authorizer?.jwt;
  const claims = (jwt?.claims ?? {}) as Claims;
  const actor = actorOf(claims);
  const scopeClaim = claimList(claims.scope);
  if (scopeClaim === null) throw invalidClaim('scope');
  const scopes = [...new Set([...(jwt?.scopes ?? []), ...scopeClaim])];
  return { ...actor, scopes, domains: domainsOf(claims) };
}

export function requireScope(caller: Caller, scope: Scope): void {
  if (!caller.scopes.includes(scope)) throw new AppError('FORBIDDEN', `The ${scope} scope is required`);
}
