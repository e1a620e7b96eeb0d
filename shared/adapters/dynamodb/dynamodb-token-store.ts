import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  Agent,
  AdminSettings,
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
import type { ViewRequest } from '../../domain/view-request';
import type {
  DueCode,
  Page,
  PageRequest,
  RunOutDownload,
  TokenListing,
  TokenStore,
} from '../../ports/token-store';
import { AuditItems } from './audit-items';
import { DirectoryItems } from './directory-items';
import { ExpiryIndex } from './expiry-index';
import { SearchIndexes, type NamePrefixes } from './search-indexes';
import { TableAccess } from './table-access';
import { TokenPartitionItems } from './token-items';
import { ViewRequestItems } from './view-request-items';

export interface DynamoDbTokenStoreOptions {
  tableName: string;
  /** Audit events are deleted by TTL after this many days (housekeeping, never expiry of codes). */
  auditRetentionDays?: number;
}

/**
 * The token store over the single table, one part per aggregate: the directory (domains, users, agents),
 * a token's partition, its audit events, the search indexes and the expiry index.
 */
export class DynamoDbTokenStore implements TokenStore {
  private readonly directory: DirectoryItems;
  private readonly tokens: TokenPartitionItems;
  private readonly audit: AuditItems;
  private readonly search: SearchIndexes;
  private readonly expiry: ExpiryIndex;
  private readonly viewRequests: ViewRequestItems;

  /** `client` is created once per process by the caller (and pointed at DynamoDB Local in tests). */
  constructor(client: DynamoDBClient, options: DynamoDbTokenStoreOptions) {
    const table = new TableAccess(client, options.tableName);
    this.directory = new DirectoryItems(table);
    this.tokens = new TokenPartitionItems(table);
    this.audit = new AuditItems(table, (options.auditRetentionDays ?? 400) * 86_400);
    this.search = new SearchIndexes(table);
    this.expiry = new ExpiryIndex(table);
    this.viewRequests = new ViewRequestItems(table);
  }

  getSecurityDomain(id: string): Promise<SecurityDomain | null> {
    return this.directory.getSecurityDomain(id);
  }
  listSecurityDomains(page: PageRequest): Promise<Page<SecurityDomain>> {
    return this.directory.listSecurityDomains(page);
  }
  listSecurityDomainIds(page: PageRequest): Promise<Page<string>> {
    return this.directory.listSecurityDomainIds(page);
  }
  saveSecurityDomain(domain: SecurityDomain): Promise<SecurityDomain> {
    return this.directory.saveSecurityDomain(domain);
  }
  getUser(userId: string): Promise<User | null> {
    return this.directory.getUser(userId);
  }
  saveUser(user: User): Promise<User> {
    return this.directory.saveUser(user);
  }
  listOfflineAuthentications(userId: string): Promise<OfflineAuthentication[]> {
    return this.directory.listOfflineAuthentications(userId);
  }
  getOfflineAuthentication(
    userId: string,
    agentId: string,
    region: string,
  ): Promise<OfflineAuthentication | null> {
    return this.directory.getOfflineAuthentication(userId, agentId, region);
  }
  saveOfflineAuthentication(record: OfflineAuthentication): Promise<OfflineAuthentication> {
    return this.directory.saveOfflineAuthentication(record);
  }
  deleteOfflineAuthentication(record: OfflineAuthentication): Promise<void> {
    return this.directory.deleteOfflineAuthentication(record);
  }
  getAgent(agentId: string): Promise<Agent | null> {
    return this.directory.getAgent(agentId);
  }
  listAgents(page: PageRequest): Promise<Page<Agent>> {
    return this.directory.listAgents(page);
  }
  saveAgent(agent: Agent): Promise<Agent> {
    return this.directory.saveAgent(agent);
  }

  getToken(serial: string): Promise<Token | null> {
    return this.tokens.getToken(serial);
  }
  saveToken(token: Token, audit: readonly OutboxEvent[] = []): Promise<Token> {
    return this.tokens.saveToken(token, audit);
  }
  getTokenState(serial: string): Promise<TokenState | null> {
    return this.tokens.getTokenState(serial);
  }
  getTokenOverview(serial: string): Promise<TokenOverview | null> {
    return this.tokens.getTokenOverview(serial);
  }
  getTokenDomain(serial: string): Promise<string | null> {
    return this.tokens.getTokenDomain(serial);
  }
  getIssuedCode(serial: string, generation: number): Promise<IssuedEmergencyCode | null> {
    return this.tokens.getIssuedCode(serial, generation);
  }
  saveIssuedCode(
    issued: IssuedEmergencyCode,
    audit: readonly OutboxEvent[] = [],
  ): Promise<IssuedEmergencyCode> {
    return this.tokens.saveIssuedCode(issued, audit);
  }
  saveAdminSettings(settings: AdminSettings, audit: readonly OutboxEvent[] = []): Promise<AdminSettings> {
    return this.tokens.saveAdminSettings(settings, audit);
  }
  saveRegionalCounters(
    counters: RegionalCounters,
    audit: readonly OutboxEvent[] = [],
  ): Promise<RegionalCounters> {
    return this.tokens.saveRegionalCounters(counters, audit);
  }

  appendAudit(event: OutboxEvent): Promise<void> {
    return this.audit.appendAudit(event);
  }
  listAudit(serial: string, page: PageRequest): Promise<Page<AuditEvent>> {
    return this.audit.listAudit(serial, page);
  }

  findTokensByUserId(userId: string, page: PageRequest): Promise<Page<TokenListing>> {
    return this.search.findTokensByUserId(userId, page);
  }
  findTokensInDomain(domain: string, names: NamePrefixes, page: PageRequest): Promise<Page<TokenListing>> {
    return this.search.findTokensInDomain(domain, names, page);
  }
  findTokensInDomains(
    domains: readonly string[] | '*',
    names: NamePrefixes,
    page: PageRequest,
  ): Promise<Page<TokenListing>> {
    return this.search.findTokensInDomains(domains, names, page);
  }

  findDueCodes(day: string, now: string, page: PageRequest): Promise<Page<DueCode>> {
    return this.expiry.findDueCodes(day, now, page);
  }
  findRunOutDownloads(
    region: string,
    day: string,
    now: string,
    page: PageRequest,
  ): Promise<Page<RunOutDownload>> {
    return this.expiry.findRunOutDownloads(region, day, now, page);
  }

  getViewRequest(serial: string, id: string): Promise<ViewRequest | null> {
    return this.viewRequests.getViewRequest(serial, id);
  }
  saveViewRequest(request: ViewRequest, audit: readonly OutboxEvent[] = []): Promise<ViewRequest> {
    return this.viewRequests.saveViewRequest(request, audit);
  }
  listPendingViewRequests(now: string, page: PageRequest): Promise<Page<ViewRequest>> {
    return this.viewRequests.listPendingViewRequests(now, page);
  }
}
