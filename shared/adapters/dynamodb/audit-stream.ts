/**
 * The audit events a table stream carries: each INSERT of an `AUDIT#` item (written in this region or
 * replicated from another), as the stream record's new image shows it. The event id is the sort key's tail
 * (`AUDIT#<at>#<eventId>`, keys.ts).
 */
import type { OutboxEvent } from '../../domain/model';
import { outboxEventOf, plain, type StreamImage } from './audit-outbox';
import { SK } from './keys';
import { KEY } from './table-schema';

/** A stream record as a Lambda event source and DynamoDB Streams' GetRecords both give it. */
export interface AuditStreamRecord {
  eventName?: string;
  dynamodb?: { Keys?: StreamImage; NewImage?: StreamImage };
}

/** The audit event a record inserts, or null for any other record. */
export function auditEventOfRecord(record: AuditStreamRecord): OutboxEvent | null {
  const sortKey = record.dynamodb?.Keys?.[KEY.sort]?.S;
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !sortKey?.startsWith(SK.auditPrefix) || image === undefined)
    return null;
  const eventId = sortKey.slice(sortKey.lastIndexOf('#') + 1);
  return outboxEventOf({ ...(plain({ M: image }) as Record<string, unknown>), eventId });
}

/** The audit events of a batch of records, in stream order. */
export function auditEventsOfRecords(records: readonly AuditStreamRecord[]): OutboxEvent[] {
  return records.flatMap((record) => auditEventOfRecord(record) ?? []);
}
