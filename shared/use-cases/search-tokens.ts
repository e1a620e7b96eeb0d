import { foldName, startsWithFolded } from '../domain/names';
import type { TokenOverview } from '../domain/model';
import type { Page, TokenListing } from '../ports/token-store';
import { canSeeDomain, type AdminActor, type UseCaseDependencies } from './context';
import { invalidCursor, PageCursors, type CursorScope } from './page-cursors';

export interface TokenSearch {
  userId?: string;
  lastName?: string;
  firstName?: string;
  serial?: string;
  domain?: string;
  limit: number;
  cursor?: string;
}

/** A token found: its listing and its newest issued code, merged over the regions. */
export interface TokenSearchHit {
  token: TokenListing;
  issued: TokenOverview['issued'];
}

/** Where the next page starts: an offset in a user's visible tokens, or the store's cursor. */
type SearchPosition = { offset: number } | { inner: string };

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
 * and domains the domain indexes (or, for an administrator of every domain with a last name, the last-name
 * index across domains), never the table. A page costs a fixed number of round trips whatever its size and
 * the number of domains: the listing (after the domain ids, for an administrator of every domain without a
 * last name), then each listed token's state and the next cursor, in parallel.
 */
export async function searchTokens(
  deps: UseCaseDependencies,
  actor: AdminActor,
  search: TokenSearch,
): Promise<Page<TokenSearchHit>> {
  if (search.serial !== undefined) {
    if (search.cursor !== undefined) throw invalidCursor();
    const state = await deps.store.getTokenOverview(search.serial);
    const shown = state !== null && matches(state.token, search, actor);
    return { items: shown ? [{ token: state.token, issued: state.issued }] : [], cursor: null };
  }
  const cursors = new PageCursors(deps.sealer, deps.clock);
  const scope: CursorScope = { operation: 'searchTokens', actor, query: { ...search } };
  const position = (await cursors.open(scope, search.cursor)) as SearchPosition | null;
  const page =
    search.userId !== undefined
      ? await userPage(deps, actor, search, position)
      : await domainPage(deps, actor, search, position);
  // The listing's enabled flag and offline state are the merged ones of the token's items, read in
  // parallel and without secrets, with the next cursor sealed: one round trip after the listing's.
  const [states, cursor] = await Promise.all([
    Promise.all(page.items.map((t) => deps.store.getTokenOverview(t.serial))),
    cursors.seal(scope, page.next),
  ]);
  return {
    items: page.items.map((t, i) => {
      const state = states[i];
      return { token: state?.token ?? t, issued: state?.issued ?? null };
    }),
    cursor,
  };
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

/**
 * Names and domains: the domain indexes of the domains the administrator may see, read in parallel and
 * merged by the store, or the last-name index across domains for an administrator of every domain.
 */
async function domainPage(
  deps: UseCaseDependencies,
  actor: AdminActor,
  search: TokenSearch,
  start: SearchPosition | null,
): Promise<{ items: TokenListing[]; next: SearchPosition | null }> {
  if (start !== null && !('inner' in start && typeof start.inner === 'string')) throw invalidCursor();
  const domains = await domainsToSearch(deps, actor, search);
  if (domains.length === 0) return { items: [], next: null };
  const page = await deps.store.findTokensInDomains(
    domains,
    { lastNamePrefix: search.lastName, firstNamePrefix: search.firstName },
    { limit: search.limit, cursor: start?.inner },
  );
  return { items: page.items, next: page.cursor === null ? null : { inner: page.cursor } };
}

/** The domains a name search reads: `'*'` (every one, through the index across domains) needs a last name. */
async function domainsToSearch(
  deps: UseCaseDependencies,
  actor: AdminActor,
  search: TokenSearch,
): Promise<readonly string[] | '*'> {
  if (search.domain !== undefined) return canSeeDomain(actor, search.domain) ? [search.domain] : [];
  if (actor.domains !== '*') return [...actor.domains].sort();
  if (foldName(search.lastName ?? '') !== '') return '*';
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await deps.store.listSecurityDomainIds({ limit: 100, cursor });
    ids.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== null);
  return ids.sort();
}
