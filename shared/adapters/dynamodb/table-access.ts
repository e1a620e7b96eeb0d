import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, DependencyUnavailableError, ValidationError } from '../../domain/errors';
import type { OutboxEvent } from '../../domain/model';
import type { PageRequest } from '../../ports/token-store';
import { isTransientAwsError } from '../aws-errors';
import { AUDIT_OUTBOX_ATTRIBUTE } from './keys';
import { KEY, KEY_ATTRIBUTES, TTL_ATTRIBUTE, type IndexDefinition } from './table-schema';

/**
 * The single table's plumbing, shared by the store's parts (one per aggregate): versioned puts, reads that
 * name their attributes, pages with cursors that cannot leave their partition, and one error mapping.
 */

export type Item = Record<string, unknown>;

/** Attributes that exist only for storage; everything else on an item is the entity's own field. */
const STORAGE_ATTRIBUTES = new Set([
  ...KEY_ATTRIBUTES,
  TTL_ATTRIBUTE,
  'firstNameNormalized',
  AUDIT_OUTBOX_ATTRIBUTE,
]);

export const MAX_PAGE = 100;

/**
 * The item a versioned save writes: the entity at its next version, its storage attributes, the change's
 * audit events in its outbox (a write without any clears the last ones), its key.
 */
export function versionedItemOf<T extends { version: number }>(
  pk: string,
  sk: string,
  entity: T,
  extra: Item,
  audit: readonly OutboxEvent[] = [],
): Item {
  const outbox: Item = audit.length > 0 ? { [AUDIT_OUTBOX_ATTRIBUTE]: audit } : {};
  return { ...entity, version: entity.version + 1, ...extra, ...outbox, [KEY.partition]: pk, [KEY.sort]: sk };
}

export function entityOf<T>(item: Item): T {
  const entity: Item = {};
  for (const [name, value] of Object.entries(item)) if (!STORAGE_ATTRIBUTES.has(name)) entity[name] = value;
  return entity as T;
}

/**
 * A read that names its attributes: the ProjectionExpression of `paths` (a dotted path reads into a map)
 * and SPECIFIC_ATTRIBUTES, which functions allowed only some attributes must send (service-function.ts).
 */
export function projectionOf(paths: readonly string[]): {
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

export function checkPageLimit(page: PageRequest): void {
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > MAX_PAGE) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE}`, ['limit']);
  }
}

export const invalidStoreCursor = () => new ValidationError('The cursor is not valid', ['cursor']);

export function encodeCursor(key: Item | undefined): string | null {
  return key === undefined ? null : Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** A cursor's JSON object, or a ValidationError. */
export function decodeCursorObject(cursor: string): Item {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidStoreCursor();
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) throw invalidStoreCursor();
  return decoded as Item;
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
  const decoded = decodeCursorObject(cursor);
  const entries = Object.entries(decoded);
  const wellFormed =
    entries.length === allowed.length &&
    entries.every(
      ([name, value]) => allowed.includes(name) && typeof value === 'string' && value.length <= 1024,
    );
  if (!wellFormed || decoded[partition.name] !== partition.value) throw invalidStoreCursor();
  return decoded;
}

export interface PageQuery {
  index?: IndexDefinition;
  partition: { name: string; value: string };
  sortCondition?: { expression: string; values: Item } | undefined;
  filter?: { expression: string; names: Record<string, string>; values: Item } | undefined;
  newestFirst?: boolean;
  /** The attributes to read (projectionOf); every attribute when absent. */
  projection?: readonly string[];
}

export class TableAccess {
  readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }

  async getEntity<T>(pk: string, sk: string): Promise<T | null> {
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
  async saveVersioned<T extends { version: number }>(
    pk: string,
    sk: string,
    entity: T,
    extra: Item,
    audit: readonly OutboxEvent[] = [],
  ): Promise<T> {
    const isNew = entity.version === 0;
    // The change's audit events commit with it or not at all.
    await this.call(() =>
      this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: versionedItemOf(pk, sk, entity, extra, audit),
          ConditionExpression: isNew ? 'attribute_not_exists(#pk)' : '#version = :version',
          ExpressionAttributeNames: isNew ? { '#pk': KEY.partition } : { '#version': 'version' },
          ExpressionAttributeValues: isNew ? undefined : { ':version': entity.version },
        }),
      ),
    );
    return { ...entity, version: entity.version + 1 };
  }

  /** One page of one partition (of the table or an index), `page.limit` items evaluated at most. */
  async queryPage<T = Item>(
    query: PageQuery,
    page: PageRequest,
    /** Where to start instead of `page.cursor`: a key the store made itself. */
    startAt?: Item,
  ): Promise<{ items: (T & Item)[]; cursor: string | null; lastKey: Item | undefined }> {
    checkPageLimit(page);
    const sortKeyName = query.index?.sortKey ?? KEY.sort;
    const cursorKeys = query.index
      ? [KEY.partition, KEY.sort, query.index.partitionKey, query.index.sortKey]
      : [KEY.partition, KEY.sort];
    const startKey =
      startAt ?? (page.cursor ? decodeCursor(page.cursor, cursorKeys, query.partition) : undefined);
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
    return {
      items: (result.Items ?? []) as (T & Item)[],
      cursor: encodeCursor(result.LastEvaluatedKey),
      lastKey: result.LastEvaluatedKey,
    };
  }

  /** Every item of a small, bounded partition range (a token's state, a user's agents). */
  async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
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
  async call<T>(operation: () => Promise<T>): Promise<T> {
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
