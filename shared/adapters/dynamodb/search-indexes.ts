import type { Page, PageRequest, TokenListing } from '../../ports/token-store';
import { PROJECTION, SK, domainPk, lastNameShardOf, nameKey, normalizeName, tokenPk, userPk } from './keys';
import {
  checkPageLimit,
  decodeCursorObject,
  encodeCursor,
  invalidStoreCursor,
  type Item,
  type PageQuery,
  type TableAccess,
} from './table-access';
import { INDEX, KEY, type IndexDefinition } from './table-schema';

/** Key-only query results carry the keys; the listing fields are the projected ones. */
function listingOf(item: Item): TokenListing {
  const { serial, kind, enabled, user, securityDomain } = item as unknown as TokenListing;
  return { serial, kind, enabled, user: user ?? null, securityDomain };
}

export interface NamePrefixes {
  lastNamePrefix?: string;
  firstNamePrefix?: string;
}

/** How a name search reads: which index key it is ordered by, its prefix and its first-name filter. */
interface NameQuery {
  byFirstName: boolean;
  prefix: string;
  filterFirst: string;
}

function nameQueryOf(names: NamePrefixes): NameQuery {
  const last = names.lastNamePrefix === undefined ? '' : normalizeName(names.lastNamePrefix);
  const first = names.firstNamePrefix === undefined ? '' : normalizeName(names.firstNamePrefix);
  const byFirstName = last === '' && first !== '';
  return { byFirstName, prefix: byFirstName ? first : last, filterFirst: byFirstName ? '' : first };
}

/** The index sort key a listing sits at (`nameKey`), rebuilt from its projected fields. */
function sortKeyOf(listing: TokenListing, byFirstName: boolean): string {
  const first = listing.user?.firstName ?? '';
  const last = listing.user?.lastName ?? '';
  return byFirstName ? nameKey(first, last, listing.serial) : nameKey(last, first, listing.serial);
}

/** DynamoDB orders string keys by their UTF-8 bytes. */
const compareKeys = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** The serial a name key ends with (`<name>#<name>#<serial>`). */
const serialOfNameKey = (key: string) => key.slice(key.lastIndexOf('#') + 1);

/** The search indexes: a user's tokens, a domain's by name, and names across domains. */
export class SearchIndexes {
  constructor(private readonly table: TableAccess) {}

  async findTokensByUserId(userId: string, page: PageRequest): Promise<Page<TokenListing>> {
    const result = await this.table.queryPage(
      {
        index: INDEX.byUserId,
        partition: { name: INDEX.byUserId.partitionKey, value: userPk(userId) },
        projection: PROJECTION.tokenListing,
      },
      page,
    );
    return { items: result.items.map(listingOf), cursor: result.cursor };
  }

  async findTokensInDomain(
    domain: string,
    names: NamePrefixes,
    page: PageRequest,
  ): Promise<Page<TokenListing>> {
    const query = nameQueryOf(names);
    const result = await this.table.queryPage(this.domainQuery(domain, query), page);
    return { items: result.items.map(listingOf), cursor: result.cursor };
  }

  /**
   * Tokens of several domains, or of every domain (`'*'`, which needs a last-name prefix), by name, in one
   * round trip however many domains: one Query of the last-name index across domains for `'*'`, otherwise
   * one Query per domain, in parallel, merged in key order. The cursor is the key of the last token
   * returned (or of the furthest key every domain was read to, when a first-name filter left a page short);
   * each domain's Query starts after it, inside its own partition.
   */
  async findTokensInDomains(
    domains: readonly string[] | '*',
    names: NamePrefixes,
    page: PageRequest,
  ): Promise<Page<TokenListing>> {
    checkPageLimit(page);
    const query = nameQueryOf(names);
    if (domains === '*' && (query.byFirstName || query.prefix === '')) {
      throw new RangeError('a search across every domain needs a last-name prefix');
    }
    const after = page.cursor ? afterOf(page.cursor, query.prefix) : undefined;
    const queries: { query: PageQuery; start?: Item }[] =
      domains === '*'
        ? [this.acrossDomainsQuery(query, after)]
        : [...new Set(domains)].map((domain) => ({
            query: this.domainQuery(domain, query),
            start: after === undefined ? undefined : startKeyIn(this.indexOf(query), domainPk(domain), after),
          }));
    const results = await Promise.all(
      queries.map(({ query: q, start }) => this.table.queryPage(q, { limit: page.limit }, start)),
    );
    const sortKey = this.indexOf(query).sortKey;
    const read = results
      .flatMap((result) => result.items.map(listingOf))
      .map((listing) => ({ listing, key: sortKeyOf(listing, query.byFirstName) }))
      .sort((a, b) => compareKeys(a.key, b.key));
    // A domain read only up to its last evaluated key may hold more before another domain's next items.
    const frontiers = results
      .filter((result) => result.lastKey !== undefined)
      .map((result) => result.lastKey![sortKey] as string)
      .sort(compareKeys);
    const frontier = frontiers[0];
    const safe = frontier === undefined ? read : read.filter((r) => compareKeys(r.key, frontier) <= 0);
    const items = safe.slice(0, page.limit);
    const more = frontier !== undefined || read.length > items.length;
    const next = items.length === page.limit ? items[items.length - 1]!.key : frontier;
    return {
      items: items.map((r) => r.listing),
      cursor: more && next !== undefined ? encodeCursor({ after: next }) : null,
    };
  }

  private indexOf(query: NameQuery): IndexDefinition {
    return query.byFirstName ? INDEX.byDomainFirstName : INDEX.byDomainLastName;
  }

  private domainQuery(domain: string, query: NameQuery): PageQuery {
    const index = this.indexOf(query);
    return {
      index,
      partition: { name: index.partitionKey, value: domainPk(domain) },
      ...nameConditions(query),
    };
  }

  private acrossDomainsQuery(
    query: NameQuery,
    after: string | undefined,
  ): { query: PageQuery; start?: Item } {
    const index = INDEX.byLastName;
    const shard = lastNameShardOf(query.prefix);
    return {
      query: { index, partition: { name: index.partitionKey, value: shard }, ...nameConditions(query) },
      start: after === undefined ? undefined : startKeyIn(index, shard, after),
    };
  }
}

/** The prefix condition on the index's sort key, the first-name filter, and the listing's attributes. */
function nameConditions(query: NameQuery): Pick<PageQuery, 'sortCondition' | 'filter' | 'projection'> {
  return {
    sortCondition:
      query.prefix === ''
        ? undefined
        : { expression: 'begins_with(#sk, :prefix)', values: { ':prefix': query.prefix } },
    filter:
      query.filterFirst === ''
        ? undefined
        : {
            expression: 'begins_with(#first, :first)',
            names: { '#first': 'firstNameNormalized' },
            values: { ':first': query.filterFirst },
          },
    projection: PROJECTION.tokenListing,
  };
}

/** A merged search's cursor: the name key to continue after, inside the searched prefix. */
function afterOf(cursor: string, prefix: string): string {
  const decoded = decodeCursorObject(cursor);
  const entries = Object.entries(decoded);
  const after = decoded.after;
  if (
    entries.length !== 1 ||
    typeof after !== 'string' ||
    after.length > 1024 ||
    !after.startsWith(prefix) ||
    after.split('#').length !== 3
  ) {
    throw invalidStoreCursor();
  }
  return after;
}

/** The key to start a Query of `index` partition `value` after the token at name key `after`. */
function startKeyIn(index: IndexDefinition, value: string, after: string): Item {
  return {
    [index.partitionKey]: value,
    [index.sortKey]: after,
    [KEY.partition]: tokenPk(serialOfNameKey(after)),
    [KEY.sort]: SK.token,
  };
}
