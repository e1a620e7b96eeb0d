/**
 * The outbox of a changed item as its stream record shows it: the table's NEW_IMAGE, in DynamoDB's
 * attribute-value JSON (a Lambda event source and DynamoDB Streams' GetRecords give the same shape).
 */
import type { AuditDetailValue, OutboxEvent } from '../../domain/model';
import { AUDIT_OUTBOX_ATTRIBUTE } from './keys';

/** An attribute value as stream records carry it (the types an outbox holds). */
export interface StreamAttributeValue {
  S?: string;
  N?: string;
  BOOL?: boolean;
  NULL?: boolean;
  M?: Record<string, StreamAttributeValue>;
  L?: StreamAttributeValue[];
}

export type StreamImage = Record<string, StreamAttributeValue>;

class MalformedOutboxError extends Error {
  constructor(what: string) {
    super(`The audit outbox of a stream record is malformed: ${what}`);
    this.name = 'MalformedOutboxError';
  }
}

export function plain(value: StreamAttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL === true) return null;
  if (value.M !== undefined)
    return Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, plain(v)]));
  if (value.L !== undefined) return value.L.map(plain);
  throw new MalformedOutboxError('an attribute of an unexpected type');
}

const TEXT_FIELDS = ['eventId', 'serial', 'at', 'action', 'actor', 'region', 'outcome', 'requestId'] as const;

export function outboxEventOf(value: unknown): OutboxEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new MalformedOutboxError('an event is not a map');
  const event = value as Record<string, unknown>;
  for (const field of TEXT_FIELDS) {
    if (typeof event[field] !== 'string') throw new MalformedOutboxError(`an event has no ${field}`);
  }
  const details = event.details;
  const detailsOk =
    typeof details === 'object' &&
    details !== null &&
    !Array.isArray(details) &&
    Object.values(details).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
  if (!detailsOk) throw new MalformedOutboxError('an event has no details map of plain values');
  return {
    ...(Object.fromEntries(TEXT_FIELDS.map((field) => [field, event[field]])) as Omit<
      OutboxEvent,
      'details'
    >),
    details: details as Record<string, AuditDetailValue>,
  };
}

/** The audit events in a stream record's new image: none when the write carried no change to audit. */
export function outboxEventsOfImage(image: StreamImage | undefined): OutboxEvent[] {
  const outbox = image?.[AUDIT_OUTBOX_ATTRIBUTE];
  if (outbox === undefined) return [];
  const events = plain(outbox);
  if (!Array.isArray(events)) throw new MalformedOutboxError('the outbox is not a list');
  return events.map(outboxEventOf);
}
