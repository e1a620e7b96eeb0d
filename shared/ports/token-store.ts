import type {
  Agent,
  AuditEvent,
  IssuedEmergencyCode,
  OfflineAuthentication,
  OutboxEvent,
  AdminSettings,
  RegionalCounters,
  SecurityDomain,
  Token,
  TokenOverview,
  TokenState,
  User,
} from '../domain/model';
import type { ViewRequest } from '../domain/view-request';

/** One page of a query, and an opaque cursor to the next one (null on the last page). */
export interface Page<T> {
  items: T[];
  cursor: string | null;
}

export interface PageRequest {
  /** 1 to 100. */
  limit: number;
  cursor?: string | null;
}

/** A token as the search indexes hold it: no secret, no emergency state. */
export type TokenListing = Pick<Token, 'serial' | 'kind' | 'enabled' | 'user' | 'securityDomain'>;

/** An active code that is due, as the sparse expiry index holds it. */
export interface DueCode {
  serial: string;
  generation: number;
  expiresAt: string;
}

/** A user's offline download record whose data has run out, as the sparse expiry index holds it. */
export interface RunOutDownload {
  /** Lower-cased, as the keys hold it; every method taking a user id ignores case. */
  userId: string;
  agentId: string;
  region: string;
  validUntil: string;
}

/**
 * The token store. Every method is one GetItem, Query, PutItem or DeleteItem (or Queries in parallel): no Scan, no transaction
 * (multi-region strong consistency tables have none).
 *
 * Writes are optimistic: `save*` takes the entity as it was read (its `version`, 0 for a new one), stores
 * it with version + 1 only if the stored item is still at that version, and returns what was stored. A
 * lost race throws ConflictError; nothing is overwritten silently. An unreachable store throws
 * DependencyUnavailableError.
 *
 * The writes of an audited change take its audit events (`audit`) and store them in the same conditional
 * put, in the item's outbox: the change and its events commit together or not at all. The stream's
 * materializer appends each outbox event as an audit item, as the writer does right after the write;
 * `appendAudit` is idempotent per event id, so the event is one item whoever appends it first.
 */
export interface TokenStore {
  getSecurityDomain(id: string): Promise<SecurityDomain | null>;
  listSecurityDomains(page: PageRequest): Promise<Page<SecurityDomain>>;
  /** The ids alone: the only read of the domains that search makes. */
  listSecurityDomainIds(page: PageRequest): Promise<Page<string>>;
  saveSecurityDomain(domain: SecurityDomain): Promise<SecurityDomain>;

  getUser(userId: string): Promise<User | null>;
  saveUser(user: User): Promise<User>;
  /** The offline-capable agents the user authenticated through, one record each. */
  listOfflineAuthentications(userId: string): Promise<OfflineAuthentication[]>;
  getOfflineAuthentication(
    userId: string,
    agentId: string,
    region: string,
  ): Promise<OfflineAuthentication | null>;
  saveOfflineAuthentication(record: OfflineAuthentication): Promise<OfflineAuthentication>;
  deleteOfflineAuthentication(record: OfflineAuthentication): Promise<void>;

  getAgent(agentId: string): Promise<Agent | null>;
  listAgents(page: PageRequest): Promise<Page<Agent>>;
  saveAgent(agent: Agent): Promise<Agent>;

  /** The token as readers see it (merged with its registers), or null. */
  getToken(serial: string): Promise<Token | null>;
  /**
   * The token item: identity, seed and assignment. Its `enabled` and `pinVerifier` are the values the
   * token was created with; later changes of those are register entries.
   */
  saveToken(token: Token, audit?: readonly OutboxEvent[]): Promise<Token>;
  /**
   * Every item of the token's partition but the audit events, in one Query, merged (regional-state.ts);
   * null if there is no token.
   */
  getTokenState(serial: string): Promise<TokenState | null>;
  /**
   * The token's state without any secret, in one Query of its partition that names its attributes (so a
   * function allowed only those can make it); null if there is no token.
   */
  getTokenOverview(serial: string): Promise<TokenOverview | null>;
  /** The token's security domain alone (one GetItem naming that attribute), or null if there is no token. */
  getTokenDomain(serial: string): Promise<string | null>;
  /** One generation's issued code item. */
  getIssuedCode(serial: string, generation: number): Promise<IssuedEmergencyCode | null>;
  saveIssuedCode(issued: IssuedEmergencyCode, audit?: readonly OutboxEvent[]): Promise<IssuedEmergencyCode>;
  /** Each region writes only its own administrators' settings and lockout item. */
  saveAdminSettings(settings: AdminSettings, audit?: readonly OutboxEvent[]): Promise<AdminSettings>;
  saveRegionalCounters(counters: RegionalCounters, audit?: readonly OutboxEvent[]): Promise<RegionalCounters>;

  /**
   * Audit events are new items, never overwritten: one per event id. Appending an event that is already
   * there changes nothing and succeeds.
   */
  appendAudit(event: OutboxEvent): Promise<void>;
  /** A view request of dual control (view-request.ts), in the token's partition. */
  getViewRequest(serial: string, id: string): Promise<ViewRequest | null>;
  /** Conditional on its version, as every save; a pending request is listed, a decided one is not. */
  saveViewRequest(request: ViewRequest, audit?: readonly OutboxEvent[]): Promise<ViewRequest>;
  /** Pending requests whose approval deadline is after `now`, soonest first, of every domain. */
  listPendingViewRequests(now: string, page: PageRequest): Promise<Page<ViewRequest>>;

  /** Newest first; names the events' attributes (a function allowed only those can read it). */
  listAudit(serial: string, page: PageRequest): Promise<Page<AuditEvent>>;

  /** Tokens whose assigned user id is `userId` (case-insensitive). The listings name their attributes. */
  findTokensByUserId(userId: string, page: PageRequest): Promise<Page<TokenListing>>;
  /**
   * Tokens of a security domain, ordered by last name then first name; narrowed by a case-insensitive
   * last-name prefix (through the index) and first-name prefix (through the first-name index when it is
   * the only name given, otherwise as a filter).
   */
  findTokensInDomain(
    domain: string,
    names: { lastNamePrefix?: string; firstNamePrefix?: string },
    page: PageRequest,
  ): Promise<Page<TokenListing>>;

  /**
   * Tokens of several security domains, or of every domain (`'*'`, only with a last-name prefix), ordered
   * as `findTokensInDomain` orders one domain's, in one round trip however many domains (one Query of a
   * cross-domain last-name index for `'*'`; one Query per named domain, in parallel, merged). A page may be
   * short of `limit` and still have a cursor when the first-name filter drops tokens.
   */
  findTokensInDomains(
    domains: readonly string[] | '*',
    names: { lastNamePrefix?: string; firstNamePrefix?: string },
    page: PageRequest,
  ): Promise<Page<TokenListing>>;

  /** Active codes of one expiry day (YYYY-MM-DD) due at or before `now`, oldest first. */
  findDueCodes(day: string, now: string, page: PageRequest): Promise<Page<DueCode>>;
  /**
   * A region's offline download records of one day (YYYY-MM-DD) whose data ran out at or before `now`,
   * oldest first.
   * Records without a download are never in it.
   */
  findRunOutDownloads(
    region: string,
    day: string,
    now: string,
    page: PageRequest,
  ): Promise<Page<RunOutDownload>>;
}
