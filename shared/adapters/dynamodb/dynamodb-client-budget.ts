/**
 * The per-client request budget in the token table: one counter item per client, region and window
 * (`pk` `BUDGET#<client>`, `sk` `<region>#<window start>`), raised by one UpdateItem with ADD under the
 * condition that it is below the limit, so every function instance of the region shares the count and
 * the check and the count are one atomic write. Regions count apart (the region is in the key, so the
 * global table's replicas never write the same item); TTL removes old windows.
 *
 * Why in the store and not in each function instance: Lambda runs many instances at once, and a counter
 * in each would multiply a client's budget by their number. One write per request is the price.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DependencyUnavailableError } from '../../domain/errors';
import type { ClientBudget } from '../../ports/client-budget';
import { isTransientAwsError } from '../aws-errors';
import { KEY, TTL_ATTRIBUTE } from './table-schema';

export const BUDGET_PK_PREFIX = 'BUDGET#';
/** An unknown user id's failures: under the budget's prefix, keyed by a hash (no attacker text in keys). */
const UNKNOWN_USER_PREFIX = `${BUDGET_PK_PREFIX}unknown-user#`;
const UNKNOWN_USER_RETENTION_SECONDS = 30 * 86_400;

export interface ClientBudgetOptions {
  tableName: string;
  regionName: string;
  /** Requests per client per window. */
  limit: number;
  windowSeconds: number;
}

export class DynamoDbClientBudget implements ClientBudget {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: ClientBudgetOptions,
  ) {}

  async take(clientId: string, now: Date): Promise<{ retryAfterSeconds: number } | null> {
    const { windowSeconds, limit } = this.options;
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const windowStart = nowSeconds - (nowSeconds % windowSeconds);
    const retryAfterSeconds = Math.max(1, windowStart + windowSeconds - nowSeconds);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: {
            [KEY.partition]: { S: `${BUDGET_PK_PREFIX}${clientId}` },
            [KEY.sort]: { S: `${this.options.regionName}#${windowStart}` },
          },
          UpdateExpression: 'ADD #used :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#used) OR #used < :limit',
          ExpressionAttributeNames: { '#used': 'used', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':one': { N: '1' },
            ':limit': { N: String(limit) },
            ':ttl': { N: String(windowStart + 2 * windowSeconds + 3600) },
          },
        }),
      );
      return null;
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as { name?: string }).name === 'ConditionalCheckFailedException'
      ) {
        return { retryAfterSeconds };
      }
      throw this.failureOf(error);
    }
  }

  async countUnknownUserFailure(userId: string, now: Date): Promise<number> {
    const userKey = createHash('sha256').update(userId.toLowerCase(), 'utf8').digest('hex');
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: {
            [KEY.partition]: { S: `${UNKNOWN_USER_PREFIX}${userKey}` },
            [KEY.sort]: { S: this.options.regionName },
          },
          UpdateExpression: 'ADD #failures :one SET #ttl = :ttl',
          ExpressionAttributeNames: { '#failures': 'failures', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':one': { N: '1' },
            ':ttl': { N: String(Math.floor(now.getTime() / 1000) + UNKNOWN_USER_RETENTION_SECONDS) },
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(result.Attributes?.failures?.N ?? 1) - 1;
    } catch (error) {
      throw this.failureOf(error);
    }
  }

  private failureOf(error: unknown): unknown {
    return isTransientAwsError(error) ? new DependencyUnavailableError('DynamoDB', { cause: error }) : error;
  }
}
