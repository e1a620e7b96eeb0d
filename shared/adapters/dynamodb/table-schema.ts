/**
 * The single table: its keys and indexes, in one place for the adapter, the tests, the local system and
 * the CDK stack. See docs/design.md "Storage" for the access pattern each one serves.
 */
import { PROJECTION } from './keys';

export const KEY = { partition: 'pk', sort: 'sk' } as const;

export const TTL_ATTRIBUTE = 'ttl';

export interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey: string;
  /** Non-key attributes copied into the index; 'ALL' only where the items hold no secret. */
  projection: 'ALL' | 'KEYS_ONLY' | readonly string[];
}

const TOKEN_LISTING = PROJECTION.tokenListing;

export const INDEX = {
  /** Tokens by their user's id, lower-cased: `USER#<userid>` / `<last>#<first>#<serial>`. */
  byUserId: {
    name: 'byUserId',
    partitionKey: 'userIdKey',
    sortKey: 'lastNameKey',
    projection: TOKEN_LISTING,
  },
  /** Tokens of a domain by normalised last name: `DOMAIN#<id>` / `<last>#<first>#<serial>`. */
  byDomainLastName: {
    name: 'byDomainLastName',
    partitionKey: 'domainKey',
    sortKey: 'lastNameKey',
    projection: [...TOKEN_LISTING, 'firstNameNormalized'],
  },
  /**
   * Tokens of every domain by normalised last name, for an administrator of all domains: sparse (a token
   * with a last name), partitioned by its first character: `NAME#<c>` / `<last>#<first>#<serial>`.
   */
  byLastName: {
    name: 'byLastName',
    partitionKey: 'lastNameShard',
    sortKey: 'lastNameKey',
    projection: [...TOKEN_LISTING, 'firstNameNormalized'],
  },
  /** Tokens of a domain by normalised first name: `DOMAIN#<id>` / `<first>#<last>#<serial>`. */
  byDomainFirstName: {
    name: 'byDomainFirstName',
    partitionKey: 'domainKey',
    sortKey: 'firstNameKey',
    projection: TOKEN_LISTING,
  },
  /**
   * Sparse: only active issued codes carry these keys, bucketed by expiry day:
   * `<YYYY-MM-DD>` / `<expiresAt>#<serial>`. Expiring a code removes them.
   */
  byExpiry: {
    name: 'byExpiry',
    partitionKey: 'expiryDay',
    sortKey: 'expiryKey',
    projection: ['serial', 'generation', 'expiresAt'],
  },
  /** Listing of the few small entities, security domains and agents: `DOMAIN` or `AGENT` / id. */
  byType: { name: 'byType', partitionKey: 'listType', sortKey: 'listKey', projection: 'ALL' },
} as const satisfies Record<string, IndexDefinition>;

export const INDEXES: readonly IndexDefinition[] = Object.values(INDEX);

/** Every attribute that is a key of the table or of an index (all strings). */
export const KEY_ATTRIBUTES: readonly string[] = [
  KEY.partition,
  KEY.sort,
  ...new Set(INDEXES.flatMap((i) => [i.partitionKey, i.sortKey])),
];

/**
 * The CreateTable input for DynamoDB Local and the tests (the CDK stack builds the same from INDEXES), with
 * the stream a global table has, which the local replicator reads.
 */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const },
    AttributeDefinitions: KEY_ATTRIBUTES.map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: KEY.partition, KeyType: 'HASH' as const },
      { AttributeName: KEY.sort, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: INDEXES.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection:
        typeof index.projection === 'string'
          ? { ProjectionType: index.projection }
          : { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.projection] },
    })),
  };
}
