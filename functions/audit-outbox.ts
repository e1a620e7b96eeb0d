import type { DynamoDBStreamEvent } from 'aws-lambda';
import { outboxEventsOfImage, type StreamImage } from '../shared/adapters/dynamodb/audit-outbox';
import { materializeAuditOutbox, type MaterializeResult } from '../shared/use-cases/audit';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { productionDependencies } from './dependencies';
import { logger } from './logger';

/**
 * The audit outbox's materializer: the table's stream (new images, filtered to the items that carry an
 * outbox) in, audit items out. Each region's function appends only its own region's events; replication
 * brings the others'. A failure fails the batch, which the event source retries (halving it): appending is
 * idempotent per event id, so a retried record never makes a second audit item.
 */
export function createHandler(deps: UseCaseDependencies) {
  return async (event: DynamoDBStreamEvent): Promise<MaterializeResult> => {
    const events = event.Records.flatMap((record) =>
      outboxEventsOfImage(record.dynamodb?.NewImage as StreamImage | undefined),
    );
    const result = await materializeAuditOutbox(deps, events);
    logger.info('audit outbox materialized', { records: event.Records.length, ...result });
    return result;
  };
}

export const handler = createHandler(productionDependencies());
