import { startsWithFolded } from '../domain/names';
import type { Page, TokenListing } from '../ports/token-store';
import { canSeeDomain, type AdminActor, type UseCaseDependencies } from './context';
import { invalidCursor, PageCursors, type CursorScope } from './page-cursors';
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

/** Where the next page starts: an offset in a user's visible tokens, or a domain and the store's cursor in it. */
type SearchPosition = { offset: number } | { inner: string } | { domain: string; inner: string | null };

/** A user holds a handful of tokens; reading more than this many for one user id is refused. */
const MAX_TOKENS_OF_A_USER = 1000;

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
 * Search, always through an index: a serial is one Query of its partition, a user id the user index, names
 * and domains the domain indexes, walked domain by domain over the domains the administrator may see.
 * Each page reads at most `limit` items from each domain it visits, never the table.
 */
export async function searchTokens(
  deps: UseCaseDependencies,
  actor: AdminActor,
  search: TokenSearch,
): Promise<Page<TokenSummary>> {
  const now = deps.clock();
  if (search.serial !== undefined) {
    if (search.cursor !== undefined) throw invalidCursor();
    const state = await deps.store.getTokenOverview(search.serial);
    const shown = state !== null && matches(state.token, search, actor);
    return { items: shown ? [tokenSummaryOf(state.token, state.issued, now)] : [], cursor: null };
  }
  const listings = await findListings(deps, actor, search);
  // The listing's enabled flag and offline state are the merged ones of the token's items, read in
  // parallel and without secrets: one round trip after the listing's.
  const states = await Promise.all(listings.items.map((t) => deps.store.getTokenOverview(t.serial)));
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
  const cursors = new PageCursors(deps.sealer, deps.clock);
  const scope: CursorScope = { operation: 'searchTokens', actor, query: { ...search } };
  const position = (await cursors.open(scope, search.cursor)) as SearchPosition | null;
  const page =
    search.userId !== undefined
      ? await userPage(deps, actor, search, position)
      : await domainPage(deps, actor, search, position);
  return { items: page.items, cursor: await cursors.seal(scope, page.next) };
}

/**
 * A user's tokens. An administrator of all domains reads a page of the user index at a time. One of some
 * domains pages by offset among the tokens visible to them alone (a user holds a handful), so what lies
 * in other domains changes neither the items nor whether there is a next page: a user id that does not
 * exist and one whose tokens are all elsewhere answer alike.
 */
async function userPage(
  deps: UseCaseDependencies,
  actor: AdminActor,
  search: TokenSearch,
  position: SearchPosition | null,
): Promise<{ items: TokenListing[]; next: SearchPosition | null }> {
  const userId = search.userId!;
  if (actor.domains === '*') {
    if (position !== null && !('inner' in position && typeof position.inner === 'string'))
      throw invalidCursor();
    const page = await deps.store.findTokensByUserId(userId, {
      limit: search.limit,
      cursor: position?.inner,
    });
    const items = page.items.filter((t) => matches(t, search, actor));
    return { items, next: page.cursor === null ? null : { inner: page.cursor } };
  }
  if (position !== null && !('offset' in position && Number.isInteger(position.offset)))
    throw invalidCursor();
  const offset = position?.offset ?? 0;
  const visible: TokenListing[] = [];
  let cursor: string | null = null;
  let read = 0;
  do {
    const page = await deps.store.findTokensByUserId(userId, { limit: 100, cursor });
    visible.push(...page.items.filter((t) => matches(t, search, actor)));
    read += page.items.length;
    cursor = page.cursor;
  } while (cursor !== null && read < MAX_TOKENS_OF_A_USER);
  const items = visible.slice(offset, offset + search.limit);
  return { items, next: visible.length > offset + search.limit ? { offset: offset + search.limit } : null };
}

/** Names and domains: the domain indexes, walked over the domains the administrator may see. */
async function domainPage(
  deps: UseCaseDependencies,
  actor: AdminActor,
  search: TokenSearch,
  start: SearchPosition | null,
): Promise<{ items: TokenListing[]; next: SearchPosition | null }> {
  const domains = await domainsToSearch(deps, actor, search.domain);
  let position = 0;
  let inner: string | null = null;
  if (start !== null) {
    if (!('domain' in start) || typeof start.domain !== 'string') throw invalidCursor();
    position = domains.indexOf(start.domain);
    if (position < 0) throw invalidCursor();
    inner = start.inner;
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
    if (page.cursor !== null) return { items, next: { domain, inner: page.cursor } };
    position += 1;
    inner = null;
  }
  const nextDomain = domains[position];
  // The page filled exactly at a domain's end: continue with the next domain from its start.
  return { items, next: nextDomain === undefined ? null : { domain: nextDomain, inner: null } };
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
    const page = await deps.store.listSecurityDomainIds({ limit: 100, cursor });
    ids.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== null);
  return ids.sort();
}
