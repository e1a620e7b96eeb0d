/**
 * The audit chain's links in the token's partition: `CHAIN#<region>#<seq, 12 digits>`, one item per link,
 * put only if its position is free (no fork: a second writer at the same position gets a ConflictError).
 * Links expire with the audit events (TTL), oldest first, so a chain read later may start after link 1.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ChainLink } from '../../domain/audit-chain';
import type { AuditChainStore } from '../../ports/audit-chain-store';
import { PROJECTION, tokenPk } from './keys';
import { TableAccess } from './table-access';
import { KEY, TTL_ATTRIBUTE } from './table-schema';

export const CHAIN_PREFIX = 'CHAIN#';
/** The attributes of a link item besides the keys and TTL. */
export const CHAIN_LINK_ATTRIBUTES = PROJECTION.auditChain;

export const chainSk = (region: string, seq: number) =>
  `${CHAIN_PREFIX}${region}#${String(seq).padStart(12, '0')}`;

/** Every read names the link's attributes only (the functions' IAM allows no others). */
const PROJECTED = {
  ExpressionAttributeNames: {
    '#pk': KEY.partition,
    '#sk': KEY.sort,
    ...Object.fromEntries(CHAIN_LINK_ATTRIBUTES.map((a) => [`#${a}`, a])),
  },
  ProjectionExpression: CHAIN_LINK_ATTRIBUTES.map((a) => `#${a}`).join(', '),
  Select: 'SPECIFIC_ATTRIBUTES' as const,
};

const DEFAULT_RETENTION_SECONDS = 400 * 86_400;

function linkOf(item: Record<string, unknown>): ChainLink {
  const { serial, region, seq, prevHash, hash, event } = item as unknown as ChainLink;
  return { serial, region, seq, prevHash, hash, event };
}

export class DynamoDbAuditChainStore implements AuditChainStore {
  private readonly table: TableAccess;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = new TableAccess(client, tableName);
  }

  async latestLinks(serial: string, region: string, limit: number): Promise<ChainLink[]> {
    const reply = await this.table.call(() =>
      this.table.documents.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ...PROJECTED,
          ExpressionAttributeValues: { ':pk': tokenPk(serial), ':prefix': `${CHAIN_PREFIX}${region}#` },
          ScanIndexForward: false,
          Limit: limit,
          ConsistentRead: true,
        }),
      ),
    );
    return (reply.Items ?? []).map(linkOf);
  }

  async putLink(link: ChainLink, retentionSeconds = DEFAULT_RETENTION_SECONDS): Promise<void> {
    await this.table.call(() =>
      this.table.documents.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: {
            ...link,
            [KEY.partition]: tokenPk(link.serial),
            [KEY.sort]: chainSk(link.region, link.seq),
            [TTL_ATTRIBUTE]: Math.floor(Date.parse(link.event.at) / 1000) + retentionSeconds,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': KEY.partition },
        }),
      ),
    );
  }

  async allLinks(serial: string): Promise<ChainLink[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ...PROJECTED,
      ExpressionAttributeValues: { ':pk': tokenPk(serial), ':prefix': CHAIN_PREFIX },
      ConsistentRead: true,
    });
    return items.map(linkOf);
  }
}
