import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type {
  AdminSettings,
  IssuedEmergencyCode,
  OutboxEvent,
  RegionalCounters,
  RegisterEntry,
  Token,
  TokenItems,
  TokenOverview,
  TokenState,
} from '../../domain/model';
import { itemsOfNewToken, mergeTokenOverview, mergeTokenState } from '../../domain/regional-state';
import {
  PIN_REGISTER_ATTRIBUTE,
  PROJECTION,
  SK,
  adminSk,
  domainPk,
  expiryDayOf,
  expirySortKey,
  issuedSk,
  lastNameShardOf,
  lockoutSk,
  nameKey,
  normalizeName,
  tokenPk,
  userPk,
} from './keys';
import { entityOf, projectionOf, versionedItemOf, type Item, type TableAccess } from './table-access';
import { KEY } from './table-schema';

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

/** The search indexes' keys of a token item (table-schema.ts). */
function searchKeysOf(token: Token): Item {
  const user = token.user;
  const lastName = normalizeName(user?.lastName ?? '');
  const keys: Item = {
    domainKey: domainPk(token.securityDomain),
    lastNameKey: nameKey(user?.lastName ?? '', user?.firstName ?? '', token.serial),
    firstNameKey: nameKey(user?.firstName ?? '', user?.lastName ?? '', token.serial),
    firstNameNormalized: normalizeName(user?.firstName ?? ''),
  };
  // Sparse: a token without a last name is in no last-name search across domains.
  if (lastName !== '') keys.lastNameShard = lastNameShardOf(lastName);
  if (user !== null) keys.userIdKey = userPk(user.userId);
  return keys;
}

/** The key and storage attributes of a token's item (TableAccess.saveVersioned's arguments). */
const tokenItemParts = (token: Token) =>
  [tokenPk(token.serial), SK.token, token, searchKeysOf(token)] as const;

/** The key and storage attributes of an issued code's item: only active codes are in the sparse expiry index. */
const issuedCodeItemParts = (issued: IssuedEmergencyCode) =>
  [
    tokenPk(issued.serial),
    issuedSk(issued.generation),
    issued,
    issued.state === 'active'
      ? {
          expiryDay: expiryDayOf(issued.expiresAt),
          expiryKey: expirySortKey(issued.expiresAt, `${issued.serial}#${issued.generation}`),
        }
      : {},
  ] as const;

/** The items saveToken and saveIssuedCode write for a new entity: for seeding a table in bulk (bench/). */
export const tokenItemOf = (token: Token): Item => versionedItemOf(...tokenItemParts(token));
export const issuedCodeItemOf = (issued: IssuedEmergencyCode): Item =>
  versionedItemOf(...issuedCodeItemParts(issued));

/** A token's partition: the token item, each region's admin and lockout items, one item per issued generation. */
export class TokenPartitionItems {
  constructor(private readonly table: TableAccess) {}

  async getToken(serial: string): Promise<Token | null> {
    return (await this.getTokenState(serial))?.token ?? null;
  }

  saveToken(token: Token, audit: readonly OutboxEvent[] = []): Promise<Token> {
    return this.table.saveVersioned(...tokenItemParts(token), audit);
  }

  async getTokenState(serial: string): Promise<TokenState | null> {
    const rows = await this.table.queryAll({
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
    const rows = await this.table.queryAll({
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
    const result = await this.table.call(() =>
      this.table.documents.send(
        new GetCommand({
          TableName: this.table.tableName,
          Key: { [KEY.partition]: tokenPk(serial), [KEY.sort]: SK.token },
          ...projectionOf(PROJECTION.tokenDomain),
          ConsistentRead: true,
        }),
      ),
    );
    return (result.Item?.securityDomain as string | undefined) ?? null;
  }

  getIssuedCode(serial: string, generation: number): Promise<IssuedEmergencyCode | null> {
    return this.table.getEntity<IssuedEmergencyCode>(tokenPk(serial), issuedSk(generation));
  }

  saveIssuedCode(
    issued: IssuedEmergencyCode,
    audit: readonly OutboxEvent[] = [],
  ): Promise<IssuedEmergencyCode> {
    return this.table.saveVersioned(...issuedCodeItemParts(issued), audit);
  }

  async saveAdminSettings(
    settings: AdminSettings,
    audit: readonly OutboxEvent[] = [],
  ): Promise<AdminSettings> {
    const { entity, extra } = storedAdminSettings(settings);
    const saved = await this.table.saveVersioned(
      tokenPk(settings.serial),
      adminSk(settings.region),
      entity,
      extra,
      audit,
    );
    return { ...settings, version: saved.version };
  }

  saveRegionalCounters(
    counters: RegionalCounters,
    audit: readonly OutboxEvent[] = [],
  ): Promise<RegionalCounters> {
    return this.table.saveVersioned(
      tokenPk(counters.serial),
      lockoutSk(counters.region),
      counters,
      {},
      audit,
    );
  }
}
