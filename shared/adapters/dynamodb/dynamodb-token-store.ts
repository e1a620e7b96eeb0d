import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, DependencyUnavailableError, ValidationError } from '../../domain/errors';
import type {
  Agent,
  AuditEvent,
  IssuedEmergencyCode,
  AdminSettings,
  OfflineAuthentication,
  OutboxEvent,
  RegionalCounters,
  SecurityDomain,
  RegisterEntry,
  Token,
  TokenItems,
  TokenOverview,
  TokenState,
  User,
} from '../../domain/model';
import type { ViewRequest } from '../../domain/view-request';
import { itemsOfNewToken, mergeTokenOverview, mergeTokenState } from '../../domain/regional-state';
import type {
  DueCode,
  Page,
  PageRequest,
  RunOutDownload,
  TokenListing,
  TokenStore,
} from '../../ports/token-store';
import { isTransientAwsError } from '../aws-errors';
import {
  AUDIT_OUTBOX_ATTRIBUTE,
  PIN_REGISTER_ATTRIBUTE,
  PROJECTION,
  SK,
  agentAndRegionOfSk,
  auditSk,
  agentPk,
  domainPk,
  downloadExpiryBucket,
  dueSortKeyBound,
  expiryDayOf,
  expirySortKey,
  issuedSk,
  lockoutSk,
  nameKey,
  normalizeName,
  offlineSk,
  PENDING_VIEW_REQUESTS,
  viewRequestSk,
  adminSk,
  timeOfExpirySortKey,
  tokenPk,
  userIdOfPk,
  userPk,
} from './keys';
import { INDEX, KEY, KEY_ATTRIBUTES, TTL_ATTRIBUTE, type IndexDefinition } from './table-schema';
import { viewRequestKeys } from './view-request-items';

export interface DynamoDbTokenStoreOptions {
  tableName: string;
  /** Audit events are deleted by TTL after this many days (housekeeping, never expiry of codes). */
  auditRetentionDays?: number;
}

type Item = Record<string, unknown>;

/** Attributes that exist only for storage; everything else on an item is the entity's own field. */
const STORAGE_ATTRIBUTES = new Set([
  ...KEY_ATTRIBUTES,
  TTL_ATTRIBUTE,
  'firstNameNormalized',
  AUDIT_OUTBOX_ATTRIBUTE,
]);

const MAX_PAGE = 100;

function entityOf<T>(item: Item): T {
  const entity: Item = {};
  for (const [name, value] of Object.entries(item)) if (!STORAGE_ATTRIBUTES.has(name)) entity[name] = value;
  return entity as T;
}

/**
 * A read that names its attributes: the ProjectionExpression of `paths` (a dotted path reads into a map)
 * and SPECIFIC_ATTRIBUTES, which functions allowed only some attributes must send (service-function.ts).
 */
function projectionOf(paths: readonly string[]): {
  ProjectionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
} {
  const names: Record<string, string> = {};
  const expression = paths.map((path, i) =>
    path
      .split('.')
      .map((name, j) => {
        names[`#p${i}_${j}`] = name;
        return `#p${i}_${j}`;
      })
      .join('.'),
  );
  return { ProjectionExpression: expression.join(', '), ExpressionAttributeNames: names };
}

/** The admin item as stored: its PIN register apart from the others (keys.ts, PIN_REGISTER_ATTRIBUTE). */
function storedAdminSettings(settings: AdminSettings): { entity: AdminSettings; extra: Item } {
  const { pin, ...registers } = settings.registers;
  return {
    entity: { ...settings, registers },
    extra: pin === undefined ? {} : { [PIN_REGISTER_ATTRIBUTE]: pin },
  };
}

/** An admin item read whole; one stored before the PIN register moved out still has it in `registers`. */
function adminSettingsOf(item: Item): AdminSettings {
  const { [PIN_REGISTER_ATTRIBUTE]: pin, ...rest } = entityOf<AdminSettings & Item>(item);
  return pin === undefined
    ? rest
    : { ...rest, registers: { ...rest.registers, pin: pin as RegisterEntry<'pin'> } };
}

/** Key-only query results carry the keys; the listing fields are the projected ones. */
function listingOf(item: Item): TokenListing {
  const { serial, kind, enabled, user, securityDomain } = item as unknown as TokenListing;
  return { serial, kind, enabled, user: user ?? null, securityDomain };
}

function encodeCursor(key: Item | undefined): string | null {
  return key === undefined ? null : Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * A cursor is the DynamoDB key to continue from. It is accepted only if it names exactly the key
 * attributes of the query and lies in the partition being queried, so it cannot be bent into reading
 * another token, user or security domain.
 */
function decodeCursor(
  cursor: string,
  allowed: readonly string[],
  partition: { name: string; value: string },
): Item {
  const invalid = () => new ValidationError('The cursor is not valid', ['cursor']);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) throw invalid();
  const entries = Object.entries(decoded);
  const wellFormed =
    entries.length === allowed.length &&
    entries.every(
      ([name, value]) => allowed.includes(name) && typeof value === 'string' && value.length <= 1024,
    );
  if (!wellFormed || (decoded as Item)[partition.name] !== partition.value) throw invalid();
  return decoded as Item;
}

export class DynamoDbTokenStore implements TokenStore {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly auditRetentionSeconds: number;

  /** `client` is created once per process by the caller (and pointed at DynamoDB Local in tests). */
  constructor(client: DynamoDBClient, options: DynamoDbTokenStoreOptions) {
    this.documents = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    this.tableName = options.tableName;
    this.auditRetentionSeconds = (options.auditRetentionDays ?? 400) * 86_400;
  }

  // Security domains

  async getSecurityDomain(id: string): Promise<SecurityDomain | null> {
    return this.getEntity<SecurityDomain>(domainPk(id), SK.profile);
  }

  async listSecurityDomains(page: PageRequest): Promise<Page<SecurityDomain>> {
    return this.listByType<SecurityDomain>('DOMAIN', page);
  }

  async listSecurityDomainIds(page: PageRequest): Promise<Page<string>> {
    const result = await this.queryPage(
      {
        index: INDEX.byType,
        partition: { name: INDEX.byType.partitionKey, value: 'DOMAIN' },
        projection: PROJECTION.domainIds,
      },
      page,
    );
    return { items: result.items.map((item) => item.id as string), cursor: result.cursor };
  }

  async saveSecurityDomain(domain: SecurityDomain): Promise<SecurityDomain> {
    return this.saveVersioned(domainPk(domain.id), SK.profile, domain, {
      listType: 'DOMAIN',
      listKey: domain.id,
    });
  }

  // Users and their offline authentications

  async getUser(userId: string): Promise<User | null> {
    return this.getEntity<User>(userPk(userId), SK.profile);
  }

  async saveUser(user: User): Promise<User> {
    return this.saveVersioned(userPk(user.userId), SK.profile, user, {});
  }

  async listOfflineAuthentications(userId: string): Promise<OfflineAuthentication[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': KEY.partition, '#sk': KEY.sort },
      ExpressionAttributeValues: { ':pk': userPk(userId), ':prefix': SK.offlinePrefix },
      ConsistentRead: true,
    });
    return items.map((item) => entityOf<OfflineAuthentication>(item));
  }

  async getOfflineAuthentication(
    userId: string,
    agentId: string,
    region: string,
  ): Promise<OfflineAuthentication | null> {
    return this.getEntity<OfflineAuthentication>(userPk(userId), offlineSk(agentId, region));
  }

  async saveOfflineAuthentication(record: OfflineAuthentication): Promise<OfflineAuthentication> {
    const pk = userPk(record.userId);
    const sk = offlineSk(record.agentId, record.region);
    // A download is in the sparse expiry index until its region's sweep removes the record once it has run out.
    const expiryKeys: Item =
      record.download === null
        ? {}
        : {
            expiryDay: downloadExpiryBucket(record.region, expiryDayOf(record.download.validUntil)),
            expiryKey: expirySortKey(record.download.validUntil, `${pk}#${sk}`),
          };
    return this.saveVersioned(pk, sk, record, expiryKeys);
  }

  async deleteOfflineAuthentication(record: OfflineAuthentication): Promise<void> {
    await this.call(() =>
      this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: {
            [KEY.partition]: userPk(record.userId),
            [KEY.sort]: offlineSk(record.agentId, record.region),
          },
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': record.version },
        }),
      ),
    );
  }

  // Agents

  async getAgent(agentId: string): Promise<Agent | null> {
    return this.getEntity<Agent>(agentPk(agentId), SK.profile);
  }

  async listAgents(page: PageRequest): Promise<Page<Agent>> {
    return this.listByType<Agent>('AGENT', page);
  }

  async saveAgent(agent: Agent): Promise<Agent> {
    return this.saveVersioned(agentPk(agent.agentId), SK.profile, agent, {
      listType: 'AGENT',
      listKey: agent.agentId,
    });
  }

  // Tokens and their emergency access state

  async getToken(serial: string): Promise<Token | null> {
    return (await this.getTokenState(serial))?.token ?? null;
  }

  async saveToken(token: Token, audit: readonly OutboxEvent[] = []): Promise<Token> {
    const user = token.user;
    const searchKeys: Item = {
      domainKey: domainPk(token.securityDomain),
      lastNameKey: nameKey(user?.lastName ?? '', user?.firstName ?? '', token.serial),
      firstNameKey: nameKey(user?.firstName ?? '', user?.lastName ?? '', token.serial),
      firstNameNormalized: normalizeName(user?.firstName ?? ''),
    };
    if (user !== null) searchKeys.userIdKey = userPk(user.userId);
    return this.saveVersioned(tokenPk(token.serial), SK.token, token, searchKeys, audit);
  }

  async getTokenState(serial: string): Promise<TokenState | null> {
    const rows = await this.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': KEY.partition, '#sk': KEY.sort },
      ExpressionAttributeValues: { ':pk': tokenPk(serial), ':prefix': SK.statePrefix },
      ConsistentRead: true,
    });
    const token = rows.find((row) => row[KEY.sort] === SK.token);
    if (token === undefined) return null;
    const items: TokenItems = itemsOfNewToken(entityOf<Token>(token));
    for (const row of rows) {
      const sk = row[KEY.sort] as string;
      if (sk.startsWith(SK.adminPrefix)) items.admin.push(adminSettingsOf(row));
      else if (sk.startsWith(SK.lockoutPrefix)) items.counters.push(entityOf<RegionalCounters>(row));
      else if (sk.startsWith(SK.issuedPrefix)) items.issued.push(entityOf<IssuedEmergencyCode>(row));
    }
    return mergeTokenState(items);
  }

  async getTokenOverview(serial: string): Promise<TokenOverview | null> {
    const projection = projectionOf([KEY.sort, ...PROJECTION.tokenOverview]);
    const rows = await this.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: {
        '#pk': KEY.partition,
        '#sk': KEY.sort,
        ...projection.ExpressionAttributeNames,
      },
      ExpressionAttributeValues: { ':pk': tokenPk(serial), ':prefix': SK.statePrefix },
      ProjectionExpression: projection.ProjectionExpression,
      Select: 'SPECIFIC_ATTRIBUTES',
      ConsistentRead: true,
    });
    const token = rows.find((row) => row[KEY.sort] === SK.token);
    if (token === undefined) return null;
    const ofKind = (prefix: string) => rows.filter((row) => (row[KEY.sort] as string).startsWith(prefix));
    return mergeTokenOverview({
      token: entityOf<TokenOverview['token']>(token),
      admin: ofKind(SK.adminPrefix).map((row) => ({
        region: row.region as string,
        registers: (row.registers ?? {}) as AdminSettings['registers'],
      })),
      counters: ofKind(SK.lockoutPrefix).map((row) => entityOf<RegionalCounters>(row)),
      issued: ofKind(SK.issuedPrefix).map((row) => entityOf<IssuedEmergencyCode>(row)),
    });
  }

  async getTokenDomain(serial: string): Promise<string | null> {
    const result = await this.call(() =>
      this.documents.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [KEY.partition]: tokenPk(serial), [KEY.sort]: SK.token },
          ...projectionOf(PROJECTION.tokenDomain),
          ConsistentRead: true,
        }),
      ),
    );
    return (result.Item?.securityDomain as string | undefined) ?? null;
  }

  async getIssuedCode(serial: string, generation: number): Promise<IssuedEmergencyCode | null> {
    return this.getEntity<IssuedEmergencyCode>(tokenPk(serial), issuedSk(generation));
  }

  async saveIssuedCode(
    issued: IssuedEmergencyCode,
    audit: readonly OutboxEvent[] = [],
  ): Promise<IssuedEmergencyCode> {
    // Only active codes are in the sparse expiry index; an expired one drops out of it.
    const expiryKeys: Item =
      issued.state === 'active'
        ? {
            expiryDay: expiryDayOf(issued.expiresAt),
            expiryKey: expirySortKey(issued.expiresAt, `${issued.serial}#${issued.generation}`),
          }
        : {};
    return this.saveVersioned(tokenPk(issued.serial), issuedSk(issued.generation), issued, expiryKeys, audit);
  }

  async saveAdminSettings(
    settings: AdminSettings,
    audit: readonly OutboxEvent[] = [],
  ): Promise<AdminSettings> {
    const { entity, extra } = storedAdminSettings(settings);
    const saved = await this.saveVersioned(
      tokenPk(settings.serial),
      adminSk(settings.region),
      entity,
      extra,
      audit,
    );
    return { ...settings, version: saved.version };
  }

  async saveRegionalCounters(
    counters: RegionalCounters,
    audit: readonly OutboxEvent[] = [],
  ): Promise<RegionalCounters> {
    return this.saveVersioned(tokenPk(counters.serial), lockoutSk(counters.region), counters, {}, audit);
  }

  // Audit

  async appendAudit(event: OutboxEvent): Promise<void> {
    const { eventId, ...fields } = event;
    const expiresAt = Math.floor(Date.parse(event.at) / 1000) + this.auditRetentionSeconds;
    try {
      await this.call(() =>
        this.documents.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...fields,
              [KEY.partition]: tokenPk(event.serial),
              [KEY.sort]: auditSk(event.at, eventId),
              [TTL_ATTRIBUTE]: expiresAt,
            },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': KEY.partition },
          }),
        ),
      );
    } catch (error) {
      // The item of this event id exists: another writer of the same event (a retry, the materializer) was first.
      if (!(error instanceof ConflictError)) throw error;
    }
  }

  async listAudit(serial: string, page: PageRequest): Promise<Page<AuditEvent>> {
    const result = await this.queryPage<AuditEvent>(
      {
        partition: { name: KEY.partition, value: tokenPk(serial) },
        sortCondition: { expression: 'begins_with(#sk, :prefix)', values: { ':prefix': SK.auditPrefix } },
        newestFirst: true,
        projection: PROJECTION.auditEvents,
      },
      page,
    );
    return { items: result.items.map((item) => entityOf<AuditEvent>(item)), cursor: result.cursor };
  }

  // Dual control's view requests

  async getViewRequest(serial: string, id: string): Promise<ViewRequest | null> {
    return this.getEntity<ViewRequest>(tokenPk(serial), viewRequestSk(id));
  }

  async saveViewRequest(request: ViewRequest, audit: readonly OutboxEvent[] = []): Promise<ViewRequest> {
    return this.saveVersioned(
      tokenPk(request.serial),
      viewRequestSk(request.id),
      request,
      viewRequestKeys(request),
      audit,
    );
  }

  async listPendingViewRequests(now: string, page: PageRequest): Promise<Page<ViewRequest>> {
    const result = await this.queryPage(
      {
        index: INDEX.byType,
        partition: { name: INDEX.byType.partitionKey, value: PENDING_VIEW_REQUESTS },
        sortCondition: { expression: '#sk > :now', values: { ':now': now } },
      },
      page,
    );
    return { items: result.items.map((item) => entityOf<ViewRequest>(item)), cursor: result.cursor };
  }

  // Search

  async findTokensByUserId(userId: string, page: PageRequest): Promise<Page<TokenListing>> {
    const result = await this.queryPage(
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
    names: { lastNamePrefix?: string; firstNamePrefix?: string },
    page: PageRequest,
  ): Promise<Page<TokenListing>> {
    const last = names.lastNamePrefix === undefined ? '' : normalizeName(names.lastNamePrefix);
    const first = names.firstNamePrefix === undefined ? '' : normalizeName(names.firstNamePrefix);
    const byFirstName = last === '' && first !== '';
    const index = byFirstName ? INDEX.byDomainFirstName : INDEX.byDomainLastName;
    const prefix = byFirstName ? first : last;
    const result = await this.queryPage(
      {
        index,
        partition: { name: index.partitionKey, value: domainPk(domain) },
        sortCondition:
          prefix === ''
            ? undefined
            : { expression: 'begins_with(#sk, :prefix)', values: { ':prefix': prefix } },
        filter:
          !byFirstName && first !== ''
            ? {
                expression: 'begins_with(#first, :first)',
                names: { '#first': 'firstNameNormalized' },
                values: { ':first': first },
              }
            : undefined,
        projection: PROJECTION.tokenListing,
      },
      page,
    );
    return { items: result.items.map(listingOf), cursor: result.cursor };
  }

  async findDueCodes(day: string, now: string, page: PageRequest): Promise<Page<DueCode>> {
    const result = await this.queryDue(day, now, page);
    return {
      items: result.items.map((item) => ({
        serial: item.serial as string,
        generation: item.generation as number,
        expiresAt: item.expiresAt as string,
      })),
      cursor: result.cursor,
    };
  }

  async findRunOutDownloads(
    region: string,
    day: string,
    now: string,
    page: PageRequest,
  ): Promise<Page<RunOutDownload>> {
    const result = await this.queryDue(downloadExpiryBucket(region, day), now, page);
    // The index projects none of a record's own attributes: the table's keys and the index's say it all.
    return {
      items: result.items.map((item) => ({
        userId: userIdOfPk(item[KEY.partition] as string),
        ...agentAndRegionOfSk(item[KEY.sort] as string),
        validUntil: timeOfExpirySortKey(item[INDEX.byExpiry.sortKey] as string),
      })),
      cursor: result.cursor,
    };
  }

  // Plumbing

  /** One page of an expiry index bucket, up to and including `now`, oldest first. */
  private async queryDue(bucket: string, now: string, page: PageRequest) {
    return this.queryPage(
      {
        index: INDEX.byExpiry,
        partition: { name: INDEX.byExpiry.partitionKey, value: bucket },
        sortCondition: { expression: '#sk < :due', values: { ':due': dueSortKeyBound(now) } },
      },
      page,
    );
  }

  private async getEntity<T>(pk: string, sk: string): Promise<T | null> {
    const result = await this.call(() =>
      this.documents.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [KEY.partition]: pk, [KEY.sort]: sk },
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item ? entityOf<T>(result.Item) : null;
  }

  /**
   * Writes the whole item if, and only if, it is still at the version the caller read (absent for 0),
   * with the audit events of this change in its outbox, and returns the entity at its new version.
   */
  private async saveVersioned<T extends { version: number }>(
    pk: string,
    sk: string,
    entity: T,
    extra: Item,
    audit: readonly OutboxEvent[] = [],
  ): Promise<T> {
    const stored: T = { ...entity, version: entity.version + 1 };
    const isNew = entity.version === 0;
    // The change's audit events commit with it or not at all; a write without any clears the last ones.
    const outbox: Item = audit.length > 0 ? { [AUDIT_OUTBOX_ATTRIBUTE]: audit } : {};
    await this.call(() =>
      this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...stored, ...extra, ...outbox, [KEY.partition]: pk, [KEY.sort]: sk },
          ConditionExpression: isNew ? 'attribute_not_exists(#pk)' : '#version = :version',
          ExpressionAttributeNames: isNew ? { '#pk': KEY.partition } : { '#version': 'version' },
          ExpressionAttributeValues: isNew ? undefined : { ':version': entity.version },
        }),
      ),
    );
    return stored;
  }

  private async listByType<T>(type: 'DOMAIN' | 'AGENT', page: PageRequest): Promise<Page<T>> {
    const result = await this.queryPage(
      { index: INDEX.byType, partition: { name: INDEX.byType.partitionKey, value: type } },
      page,
    );
    return { items: result.items.map((item) => entityOf<T>(item)), cursor: result.cursor };
  }

  private async queryPage<T = Item>(
    query: {
      index?: IndexDefinition;
      partition: { name: string; value: string };
      sortCondition?: { expression: string; values: Item } | undefined;
      filter?: { expression: string; names: Record<string, string>; values: Item } | undefined;
      newestFirst?: boolean;
      /** The attributes to read (projectionOf); every attribute when absent. */
      projection?: readonly string[];
    },
    page: PageRequest,
  ): Promise<{ items: (T & Item)[]; cursor: string | null }> {
    if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > MAX_PAGE) {
      throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE}`, ['limit']);
    }
    const sortKeyName = query.index?.sortKey ?? KEY.sort;
    const cursorKeys = query.index
      ? [KEY.partition, KEY.sort, query.index.partitionKey, query.index.sortKey]
      : [KEY.partition, KEY.sort];
    const startKey = page.cursor ? decodeCursor(page.cursor, cursorKeys, query.partition) : undefined;
    const projection = query.projection === undefined ? undefined : projectionOf(query.projection);
    const result = await this.call(() =>
      this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: query.index?.name,
          KeyConditionExpression: query.sortCondition
            ? `#pk = :pk AND ${query.sortCondition.expression}`
            : '#pk = :pk',
          FilterExpression: query.filter?.expression,
          ExpressionAttributeNames: {
            '#pk': query.partition.name,
            ...(query.sortCondition ? { '#sk': sortKeyName } : {}),
            ...query.filter?.names,
            ...projection?.ExpressionAttributeNames,
          },
          ProjectionExpression: projection?.ProjectionExpression,
          Select: projection === undefined ? undefined : 'SPECIFIC_ATTRIBUTES',
          ExpressionAttributeValues: {
            ':pk': query.partition.value,
            ...query.sortCondition?.values,
            ...query.filter?.values,
          },
          Limit: page.limit,
          ExclusiveStartKey: startKey,
          ScanIndexForward: !query.newestFirst,
        }),
      ),
    );
    return { items: (result.Items ?? []) as (T & Item)[], cursor: encodeCursor(result.LastEvaluatedKey) };
  }

  /** Every item of a small, bounded partition range (a token's state, a user's agents). */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const result = await this.call(() =>
        this.documents.send(
          new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey }),
        ),
      );
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  /** Runs one call, turning a lost condition into ConflictError and an unreachable store into a retryable error. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
        throw new ConflictError(undefined, { cause: error });
      }
      if (isTransientAwsError(error)) throw new DependencyUnavailableError('DynamoDB', { cause: error });
      throw error;
    }
  }
}
