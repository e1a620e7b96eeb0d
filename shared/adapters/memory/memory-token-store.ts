/**
 * The token store in memory, for tests of the use cases that need no DynamoDB (and for nothing in
 * production). It keeps the port's contract as the DynamoDB store does, checked by one suite run against
 * both (test/support/token-store-contract.ts): optimistic writes (version 0 only if absent, otherwise only
 * at the version read; ConflictError otherwise), audit events appended once per event id, a token's items
 * merged as regional-state.ts says, listings ordered by the same sort keys as the indexes (keys.ts), pages
 * of 1 to 100 with cursors bound to the query they came from. Entities are copied in and out, as a
 * round trip through a table would, so that a caller's later change of an object changes nothing stored.
 */
import { ConflictError, ValidationError } from '../../domain/errors';
import type {
  AdminSettings,
  Agent,
  AuditEvent,
  IssuedEmergencyCode,
  OfflineAuthentication,
  OutboxEvent,
  RegionalCounters,
  SecurityDomain,
  Token,
  TokenOverview,
  TokenState,
  User,
} from '../../domain/model';
import { mergeTokenOverview, mergeTokenState } from '../../domain/regional-state';
import type { ViewRequest } from '../../domain/view-request';
import type {
  DueCode,
  Page,
  PageRequest,
  RunOutDownload,
  TokenListing,
  TokenStore,
} from '../../ports/token-store';
import {
  auditSk,
  dueSortKeyBound,
  expiryDayOf,
  expirySortKey,
  nameKey,
  normalizeName,
  offlineSk,
} from '../dynamodb/keys';

const MAX_PAGE = 100;

/** A copy as a table would give back: plain data, undefined fields dropped. */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

interface TokenPartition {
  token: Token | null;
  admin: Map<string, AdminSettings>;
  counters: Map<string, RegionalCounters>;
  issued: Map<number, IssuedEmergencyCode>;
  /** By audit sort key (time, then event id), as the table's audit items. */
  audit: Map<string, AuditEvent>;
  viewRequests: Map<string, ViewRequest>;
}

/** A row of a listing: its sort key, unique in its query's partition, and what the listing returns. */
interface Row<T> {
  key: string;
  item: T;
}

/** Stores `entity` at version + 1 if what is stored is still at its version (absent for 0). */
function saveVersioned<K, T extends { version: number }>(map: Map<K, T>, key: K, entity: T): T {
  const current = map.get(key);
  const unchanged = entity.version === 0 ? current === undefined : current?.version === entity.version;
  if (!unchanged) throw new ConflictError();
  const stored = copy({ ...entity, version: entity.version + 1 });
  map.set(key, stored);
  return copy(stored);
}

const invalidCursor = () => new ValidationError('The cursor is not valid', ['cursor']);

/**
 * One page of `rows` (ordered by key, newest first if asked) after the cursor. A cursor names its query
 * (`partition`) and the last key read, and is refused anywhere else.
 */
function pageOf<T>(rows: Row<T>[], partition: string, page: PageRequest, newestFirst = false): Page<T> {
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > MAX_PAGE) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE}`, ['limit']);
  }
  const ordered = [...rows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (newestFirst) ordered.reverse();
  let rest = ordered;
  if (page.cursor) {
    const after = cursorKey(page.cursor, partition);
    rest = ordered.filter((row) => (newestFirst ? row.key < after : row.key > after));
  }
  const items = rest.slice(0, page.limit);
  const last = items.at(-1);
  const more = rest.length > items.length && last !== undefined;
  return {
    items: items.map((row) => copy(row.item)),
    cursor: more ? Buffer.from(JSON.stringify({ p: partition, k: last.key })).toString('base64url') : null,
  };
}

function cursorKey(cursor: string, partition: string): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const { p, k } = (typeof decoded === 'object' && decoded !== null ? decoded : {}) as Record<
    string,
    unknown
  >;
  if (p !== partition || typeof k !== 'string' || k.length > 1024) throw invalidCursor();
  return k;
}

function listingOf(token: Token): TokenListing {
  const { serial, kind, enabled, user, securityDomain } = token;
  return { serial, kind, enabled, user, securityDomain };
}

export class MemoryTokenStore implements TokenStore {
  private readonly domains = new Map<string, SecurityDomain>();
  /** By lower-cased user id, as the table's keys. */
  private readonly users = new Map<string, User>();
  /** By lower-cased user id, then the record's sort key (agent and region). */
  private readonly offline = new Map<string, Map<string, OfflineAuthentication>>();
  private readonly agents = new Map<string, Agent>();
  private readonly tokens = new Map<string, TokenPartition>();

  // Security domains

  async getSecurityDomain(id: string): Promise<SecurityDomain | null> {
    return this.read(this.domains.get(id));
  }

  async listSecurityDomains(page: PageRequest): Promise<Page<SecurityDomain>> {
    return pageOf(this.rowsOf(this.domains), 'DOMAIN', page);
  }

  async listSecurityDomainIds(page: PageRequest): Promise<Page<string>> {
    const ids = [...this.domains.keys()].map((id) => ({ key: id, item: id }));
    return pageOf(ids, 'DOMAIN', page);
  }

  async saveSecurityDomain(domain: SecurityDomain): Promise<SecurityDomain> {
    return saveVersioned(this.domains, domain.id, domain);
  }

  // Users and their offline authentications

  async getUser(userId: string): Promise<User | null> {
    return this.read(this.users.get(userId.toLowerCase()));
  }

  async saveUser(user: User): Promise<User> {
    return saveVersioned(this.users, user.userId.toLowerCase(), user);
  }

  async listOfflineAuthentications(userId: string): Promise<OfflineAuthentication[]> {
    const records = this.offline.get(userId.toLowerCase()) ?? new Map();
    return [...records.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, record]) => copy(record));
  }

  async getOfflineAuthentication(
    userId: string,
    agentId: string,
    region: string,
  ): Promise<OfflineAuthentication | null> {
    return this.read(this.offline.get(userId.toLowerCase())?.get(offlineSk(agentId, region)));
  }

  async saveOfflineAuthentication(record: OfflineAuthentication): Promise<OfflineAuthentication> {
    const user = record.userId.toLowerCase();
    const records = this.offline.get(user) ?? new Map<string, OfflineAuthentication>();
    this.offline.set(user, records);
    return saveVersioned(records, offlineSk(record.agentId, record.region), record);
  }

  async deleteOfflineAuthentication(record: OfflineAuthentication): Promise<void> {
    const records = this.offline.get(record.userId.toLowerCase());
    const sk = offlineSk(record.agentId, record.region);
    if (records?.get(sk)?.version !== record.version) throw new ConflictError();
    records.delete(sk);
  }

  // Agents

  async getAgent(agentId: string): Promise<Agent | null> {
    return this.read(this.agents.get(agentId));
  }

  async listAgents(page: PageRequest): Promise<Page<Agent>> {
    return pageOf(this.rowsOf(this.agents), 'AGENT', page);
  }

  async saveAgent(agent: Agent): Promise<Agent> {
    return saveVersioned(this.agents, agent.agentId, agent);
  }

  // Tokens and their emergency access state

  async getToken(serial: string): Promise<Token | null> {
    return (await this.getTokenState(serial))?.token ?? null;
  }

  async saveToken(token: Token, _audit?: readonly OutboxEvent[]): Promise<Token> {
    const partition = this.partition(token.serial);
    const holder = new Map(partition.token === null ? [] : [[0, partition.token]]);
    const saved = saveVersioned(holder, 0, token);
    partition.token = holder.get(0)!;
    return saved;
  }

  async getTokenState(serial: string): Promise<TokenState | null> {
    const partition = this.tokens.get(serial);
    if (partition?.token === undefined || partition.token === null) return null;
    return mergeTokenState(
      copy({
        token: partition.token,
        admin: this.sorted(partition.admin),
        counters: this.sorted(partition.counters),
        issued: this.sorted(partition.issued),
      }),
    );
  }

  async getTokenOverview(serial: string): Promise<TokenOverview | null> {
    const state = await this.getTokenState(serial);
    if (state === null) return null;
    const { serial: s, kind, enabled, user, securityDomain, lastOnlineAuthenticationAt } = state.items.token;
    // What the overview's projection names (keys.ts PROJECTION.tokenOverview): no secret.
    return mergeTokenOverview({
      token: { serial: s, kind, enabled, user, securityDomain, lastOnlineAuthenticationAt },
      admin: state.items.admin.map(({ region, registers: { enabled, onlineUse } }) => ({
        region,
        registers: copy({ enabled, onlineUse }),
      })),
      counters: state.items.counters,
      issued: state.items.issued.map(({ generation, state: codeState, expiresAt }) => ({
        generation,
        state: codeState,
        expiresAt,
      })),
    });
  }

  async getTokenDomain(serial: string): Promise<string | null> {
    return this.tokens.get(serial)?.token?.securityDomain ?? null;
  }

  async getIssuedCode(serial: string, generation: number): Promise<IssuedEmergencyCode | null> {
    return this.read(this.tokens.get(serial)?.issued.get(generation));
  }

  async saveIssuedCode(
    issued: IssuedEmergencyCode,
    _audit?: readonly OutboxEvent[],
  ): Promise<IssuedEmergencyCode> {
    return saveVersioned(this.partition(issued.serial).issued, issued.generation, issued);
  }

  async saveAdminSettings(settings: AdminSettings, _audit?: readonly OutboxEvent[]): Promise<AdminSettings> {
    return saveVersioned(this.partition(settings.serial).admin, settings.region, settings);
  }

  async saveRegionalCounters(
    counters: RegionalCounters,
    _audit?: readonly OutboxEvent[],
  ): Promise<RegionalCounters> {
    return saveVersioned(this.partition(counters.serial).counters, counters.region, counters);
  }

  // Audit. A change's events (`_audit` above) are the table's outbox, which only the stream's materializer
  // reads; the use cases append them themselves, and nothing here stands in for the materializer.

  async appendAudit(event: OutboxEvent): Promise<void> {
    const { eventId, ...fields } = event;
    const audit = this.partition(event.serial).audit;
    const key = auditSk(event.at, eventId);
    if (!audit.has(key)) audit.set(key, copy(fields));
  }

  async getViewRequest(serial: string, id: string): Promise<ViewRequest | null> {
    return this.read(this.tokens.get(serial)?.viewRequests.get(id));
  }

  async saveViewRequest(request: ViewRequest, _audit?: readonly OutboxEvent[]): Promise<ViewRequest> {
    return saveVersioned(this.partition(request.serial).viewRequests, request.id, request);
  }

  /** As the type index holds pending requests: by `<approveBy>#<serial>#<id>`, those after `now`. */
  async listPendingViewRequests(now: string, page: PageRequest): Promise<Page<ViewRequest>> {
    const rows: Row<ViewRequest>[] = [];
    for (const partition of this.tokens.values()) {
      for (const request of partition.viewRequests.values()) {
        const key = `${request.approveBy}#${request.serial}#${request.id}`;
        if (request.status === 'pending' && key > now) rows.push({ key, item: request });
      }
    }
    return pageOf(rows, 'VIEWREQ', page);
  }

  async listAudit(serial: string, page: PageRequest): Promise<Page<AuditEvent>> {
    const audit = this.tokens.get(serial)?.audit ?? new Map<string, AuditEvent>();
    const rows = [...audit.entries()].map(([key, item]) => ({ key, item }));
    return pageOf(rows, `AUDIT#${serial}`, page, true);
  }

  // Search, in the order of the indexes' sort keys (keys.ts)

  async findTokensByUserId(userId: string, page: PageRequest): Promise<Page<TokenListing>> {
    const id = userId.toLowerCase();
    const rows = this.listings((token) => token.user?.userId.toLowerCase() === id, 'last');
    return pageOf(rows, `USER#${id}`, page);
  }

  async findTokensInDomain(
    domain: string,
    names: { lastNamePrefix?: string; firstNamePrefix?: string },
    page: PageRequest,
  ): Promise<Page<TokenListing>> {
    const last = normalizeName(names.lastNamePrefix ?? '');
    const first = normalizeName(names.firstNamePrefix ?? '');
    const byFirstName = last === '' && first !== '';
    const rows = this.listings(
      (token) =>
        token.securityDomain === domain &&
        normalizeName(token.user?.lastName ?? '').startsWith(last) &&
        normalizeName(token.user?.firstName ?? '').startsWith(first),
      byFirstName ? 'first' : 'last',
    );
    return pageOf(rows, `DOMAIN#${domain}#${byFirstName ? 'first' : 'last'}`, page);
  }

  async findTokensInDomains(
    domains: readonly string[] | '*',
    names: { lastNamePrefix?: string; firstNamePrefix?: string },
    page: PageRequest,
  ): Promise<Page<TokenListing>> {
    const last = normalizeName(names.lastNamePrefix ?? '');
    const first = normalizeName(names.firstNamePrefix ?? '');
    if (domains === '*' && last === '') throw new RangeError('a search across domains needs a last name');
    const rows = this.listings(
      (token) =>
        (domains === '*' || domains.includes(token.securityDomain)) &&
        normalizeName(token.user?.lastName ?? '').startsWith(last) &&
        normalizeName(token.user?.firstName ?? '').startsWith(first),
      'last',
    );
    const scope = domains === '*' ? '*' : [...domains].sort().join(',');
    return pageOf(rows, `DOMAINS#${scope}#${last}#${first}`, page);
  }

  async findDueCodes(day: string, now: string, page: PageRequest): Promise<Page<DueCode>> {
    const bound = dueSortKeyBound(now);
    const rows: Row<DueCode>[] = [];
    for (const partition of this.tokens.values()) {
      for (const { serial, generation, expiresAt, state } of partition.issued.values()) {
        const key = expirySortKey(expiresAt, `${serial}#${generation}`);
        if (state === 'active' && expiryDayOf(expiresAt) === day && key < bound)
          rows.push({ key, item: { serial, generation, expiresAt } });
      }
    }
    return pageOf(rows, `DUE#${day}`, page);
  }

  async findRunOutDownloads(
    region: string,
    day: string,
    now: string,
    page: PageRequest,
  ): Promise<Page<RunOutDownload>> {
    const bound = dueSortKeyBound(now);
    const rows: Row<RunOutDownload>[] = [];
    for (const [userId, records] of this.offline) {
      for (const [sk, record] of records) {
        const validUntil = record.download?.validUntil;
        if (validUntil === undefined || record.region !== region || expiryDayOf(validUntil) !== day) continue;
        const key = expirySortKey(validUntil, `USER#${userId}#${sk}`);
        if (key < bound) rows.push({ key, item: { userId, agentId: record.agentId, region, validUntil } });
      }
    }
    return pageOf(rows, `DOWNLOAD#${region}#${day}`, page);
  }

  // Plumbing

  private read<T>(entity: T | undefined): T | null {
    return entity === undefined ? null : copy(entity);
  }

  private partition(serial: string): TokenPartition {
    let partition = this.tokens.get(serial);
    if (partition === undefined) {
      partition = {
        token: null,
        admin: new Map(),
        counters: new Map(),
        issued: new Map(),
        audit: new Map(),
        viewRequests: new Map(),
      };
      this.tokens.set(serial, partition);
    }
    return partition;
  }

  /** The values in key order, as a partition's sort keys hold them. */
  private sorted<K extends string | number, T>(map: Map<K, T>): T[] {
    return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
  }

  private rowsOf<T>(map: Map<string, T>): Row<T>[] {
    return [...map.entries()].map(([key, item]) => ({ key, item }));
  }

  /** Listings of the tokens that `match`, keyed as the last-name or first-name index sorts them. */
  private listings(match: (token: Token) => boolean, by: 'last' | 'first'): Row<TokenListing>[] {
    const rows: Row<TokenListing>[] = [];
    for (const { token } of this.tokens.values()) {
      if (token === null || !match(token)) continue;
      const { firstName = '', lastName = '' } = token.user ?? {};
      const key =
        by === 'last'
          ? nameKey(lastName, firstName, token.serial)
          : nameKey(firstName, lastName, token.serial);
      rows.push({ key, item: listingOf(token) });
    }
    return rows;
  }
}
