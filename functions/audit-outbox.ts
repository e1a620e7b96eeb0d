import { getStringFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { outboxEventsOfImage, type StreamImage } from '../shared/adapters/dynamodb/audit-outbox';
import { DynamoDbTokenStore } from '../shared/adapters/dynamodb/dynamodb-token-store';
import { materializeAuditOutbox, type MaterializeResult } from '../shared/use-cases/audit';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { logger } from './logger';
import { addCounts, newMetrics, observe, traced } from './observability';

/**
 * The audit outbox's materializer: the table's stream (new images, filtered to the items that carry an
 * outbox) in, audit items out. Each region's function appends only its own region's events; replication
 * brings the others'. A failure fails the batch, which the event source retries (halving it): appending is
 * idempotent per event id, so a retried record never makes a second audit item.
 */
export function createHandler(deps: Pick<UseCaseDependencies, 'store' | 'regionName'>) {
  const metrics = newMetrics();
  const materialize = async (event: DynamoDBStreamEvent): Promise<MaterializeResult> => {
    const events = event.Records.flatMap((record) =>
      outboxEventsOfImage(record.dynamodb?.NewImage as StreamImage | undefined),
    );
    const result = await materializeAuditOutbox(deps, events);
    logger.info('audit outbox materialized', { records: event.Records.length, ...result });
    addCounts(metrics, result);
    return result;
  };
  return observe(middy(materialize), metrics);
}

/** The table and the region, read once at cold start: it needs no key, so none of the sealing configuration. */
function materializerDependencies(): Pick<UseCaseDependencies, 'store' | 'regionName'> {
  const tableName = getStringFromEnv({ key: 'TABLE_NAME', errorMessage: 'TABLE_NAME is required' });
  const region = getStringFromEnv({ key: 'AWS_REGION', errorMessage: 'AWS_REGION is required' });
  const endpoint = process.env.DYNAMODB_ENDPOINT?.trim();
  const client = traced(new DynamoDBClient({ region, ...(endpoint ? { endpoint } : {}) }));
  return {
    store: new DynamoDbTokenStore(client, { tableName }),
    regionName: process.env.REGION_NAME?.trim() || region,
  };
}

export const handler = createHandler(materializerDependencies());
