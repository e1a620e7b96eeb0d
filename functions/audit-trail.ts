import { getStringFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { auditEventsOfRecords, type AuditStreamRecord } from '../shared/adapters/dynamodb/audit-stream';
import { DynamoDbTokenStore } from '../shared/adapters/dynamodb/dynamodb-token-store';
import { EventBridgePublisher } from '../shared/adapters/eventbridge/eventbridge-publisher';
import { DynamoDbAuditChainStore } from '../shared/adapters/dynamodb/dynamodb-audit-chain';
import type { AuditChainStore } from '../shared/ports/audit-chain-store';
import { chainAuditEvents, type ChainResult } from '../shared/use-cases/audit-chain';
import {
  publishIdentityEvents,
  type PublishDependencies,
  type PublishResult,
} from '../shared/use-cases/publish-events';
import { logger } from './logger';
import { addCounts, newMetrics, observe, traced } from './observability';

export type AuditTrailDependencies = PublishDependencies & { chain: AuditChainStore };

/**
 * The audit trail's consumer of the table stream: each new audit item of this region (filtered by the
 * event source to `AUDIT#` inserts) is appended to its token's hash chain in this region, then published
 * to the identity team. It runs only after the audit item
 * is written, so no act is told of that did not happen, and none is lost once written: a failure fails the
 * batch, which the event source delivers again (at least once; `detail.eventId` deduplicates).
 */
export function createHandler(deps: AuditTrailDependencies) {
  const metrics = newMetrics();
  const chainAndPublish = async (
    event: Pick<DynamoDBStreamEvent, 'Records'>,
  ): Promise<PublishResult & ChainResult> => {
    const events = auditEventsOfRecords(event.Records as AuditStreamRecord[]);
    const chained = await chainAuditEvents(deps, events);
    const published = await publishIdentityEvents(deps, events);
    logger.info('audit events chained and published', {
      records: event.Records.length,
      ...chained,
      ...published,
    });
    addCounts(metrics, { ...chained, ...published });
    return { ...chained, ...published };
  };
  return observe(middy(chainAndPublish), metrics);
}

/** Read once at cold start. */
function dependencies(): AuditTrailDependencies {
  const tableName = getStringFromEnv({ key: 'TABLE_NAME', errorMessage: 'TABLE_NAME is required' });
  const region = getStringFromEnv({ key: 'AWS_REGION', errorMessage: 'AWS_REGION is required' });
  const eventBusName = getStringFromEnv({
    key: 'EVENT_BUS_NAME',
    errorMessage: 'EVENT_BUS_NAME is required',
  });
  const endpoint = process.env.DYNAMODB_ENDPOINT?.trim();
  const client = traced(new DynamoDBClient({ region, ...(endpoint ? { endpoint } : {}) }));
  return {
    store: new DynamoDbTokenStore(client, { tableName }),
    chain: new DynamoDbAuditChainStore(client, tableName),
    regionName: process.env.REGION_NAME?.trim() || region,
    publisher: new EventBridgePublisher(traced(new EventBridgeClient({ region })), eventBusName),
  };
}

export const handler = createHandler(dependencies());
