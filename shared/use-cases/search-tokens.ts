import { ValidationError } from '../domain/errors';
import type { Page, TokenListing } from '../ports/token-store';
import { canSeeDomain, type AdminActor, type UseCaseDependencies } from './context';
import { tokenSummaryOf, type TokenSummary } from './views';

export interface TokenSearch {
  userId?: string;
  lastName?: string;
  firstName?: string;
  serial?: string;
  domain?: string;
  limit: number;
  cursor?: string;
}

/** The search cursor: the domain being read and the store's cursor within it. */
interface SearchCursor {
  domain: string;
  inner: string;
}

const invalidCursor = () => new ValidationError('The cursor is not valid', ['cursor']);

function encodeSearchCursor(cursor: SearchCursor): string {
  return Buffer.from(JSON.stringify([cursor.domain, cursor.inner])).toString('base64url');
}

function decodeSearchCursor(text: string): SearchCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
      return { domain: value[0] as string, inner: value[1] as string };
    }
  } catch {
    // fall through
  }
  throw invalidCursor();
}

const startsWithFolded = (value: string | undefined, prefix: string | undefined) =>
  prefix === undefined || (value ?? '').toLowerCase().startsWith(prefix.toLowerCase());

function matches(token: TokenListing, search: TokenSearch, actor: AdminActor): boolean {
  return (
    canSeeDomain(actor, token.securityDomain) &&
    (search.domain === undefined || token.securityDomain === search.domain) &&
    (search.userId === undefined || token.user?.userId.toLowerCase() === search.userId.toLowerCase()) &&
    startsWithFolded(token.user?.lastName, search.lastName) &&
    startsWithFolded(token.user?.firstName, search.firstName)
  );
}

/**
 * Search, always through an index: a serial is a GetItem, a user id the user index, names and domains
 * the domain indexes, walked domain by domain over the domains the administrator may see. Each page
 * reads at most `limit` items from each domain it visits, never the table.
 */
export async function searchTokens(
  deps: UseCaseDependencies,
  actor: AdminActor,
  search: TokenSearch,
): Promise<Page<TokenSummary>> {
  const listings = await findListings(deps, actor, search);
  const now = deps.clock();
  // The listing's enabled flag and offline state are the merged ones of the token's items.
  const states = await Promise.all(listings.items.map((t) => deps.store.getTokenState(t.serial)));
  return {
    items: listings.items.map((t, i) => {
      const state = states[i];
      return tokenSummaryOf(state?.token ?? t, state?.issued ?? null, now);
    }),
    cursor: listings.cursor,
  };
}

async function findListings(
  deps: UseCaseDependencies,
  actor: AdminActor,
  search: TokenSearch,
): Promise<Page<TokenListing>> {
  if (search.serial !== undefined) {
    if (search.cursor !== undefined) throw invalidCursor();
    const token = await deps.store.getToken(search.serial);
    return { items: token !== null && matches(token, search, actor) ? [token] : [], cursor: null };
  }
  if (search.userId !== undefined) {
    const page = await deps.store.findTokensByUserId(search.userId, {
      limit: search.limit,
      cursor: search.cursor,
    });
    return { items: page.items.filter((t) => matches(t, search, actor)), cursor: page.cursor };
  }

  const domains = await domainsToSearch(deps, actor, search.domain);
  let position = 0;
  let inner: string | null = null;
  if (search.cursor !== undefined) {
    const cursor = decodeSearchCursor(search.cursor);
    position = domains.indexOf(cursor.domain);
    if (position < 0) throw invalidCursor();
    inner = cursor.inner;
  }
  const items: TokenListing[] = [];
  while (position < domains.length && items.length < search.limit) {
    const domain = domains[position]!;
    const page = await deps.store.findTokensInDomain(
      domain,
      { lastNamePrefix: search.lastName, firstNamePrefix: search.firstName },
      { limit: search.limit - items.length, cursor: inner },
    );
    items.push(...page.items);
    if (page.cursor !== null) return { items, cursor: encodeSearchCursor({ domain, inner: page.cursor }) };
    position += 1;
    inner = null;
  }
  const nextDomain = domains[position];
  // The page filled exactly at a domain's end: continue with the next domain from its start.
  return {
    items,
    cursor: nextDomain === undefined ? null : encodeSearchCursor({ domain: nextDomain, inner: '' }),
  };
}

async function domainsToSearch(
  deps: UseCaseDependencies,
  actor: AdminActor,
  domain: string | undefined,
): Promise<string[]> {
  if (domain !== undefined) return canSeeDomain(actor, domain) ? [domain] : [];
  if (actor.domains !== '*') return [...actor.domains].sort();
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await deps.store.listSecurityDomains({ limit: 100, cursor });
    ids.push(...page.items.map((d) => d.id));
    cursor = page.cursor;
  } while (cursor !== null);
  return ids.sort();
}
