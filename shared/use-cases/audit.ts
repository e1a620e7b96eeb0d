import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../domain/errors';
import type { AuditAction, AuditDetailValue, AuditEvent, AuditOutcome, OutboxEvent } from '../domain/model';
import type { Page, PageRequest } from '../ports/token-store';
import { canSeeDomain, type AdminActor, type UseCaseDependencies } from './context';
import { invalidCursor, PageCursors } from './page-cursors';

export interface AuditEntry {
  serial: string;
  action: AuditAction;
  actor: string;
  /** The app client a person acted through (AdminActor.via), recorded in the details as `via`. */
  via?: string;
  requestId: string;
  outcome: AuditOutcome;
  details?: Record<string, AuditDetailValue>;
}

/**
 * An audit event, stamped with the time, this region and a new event id; nothing is written. Details never
 * hold a secret. A change passes its events to the store's write (its outbox), then appends them
 * (`appendAuditEvents`): the event exists if, and only if, the change does.
 */
export function auditEventOf(
  deps: Pick<UseCaseDependencies, 'clock' | 'regionName'>,
  entry: AuditEntry,
): OutboxEvent {
  return {
    eventId: randomBytes(12).toString('hex'),
    serial: entry.serial,
    at: deps.clock().toISOString(),
    action: entry.action,
    actor: entry.actor,
    region: deps.regionName,
    outcome: entry.outcome,
    requestId: entry.requestId,
    details: { ...entry.details, ...(entry.via === undefined ? {} : { via: entry.via }) },
  };
}

/**
 * Appends events as audit items, each once whoever appends it (idempotent per event id). After a change,
 * a failure here leaves the events in the item's outbox, for the materializer.
 */
export async function appendAuditEvents(
  deps: Pick<UseCaseDependencies, 'store'>,
  events: readonly OutboxEvent[],
): Promise<void> {
  for (const event of events) await deps.store.appendAudit(event);
}

/**
 * Audits an act that changes nothing (a view, a refusal, a change already made): it is only audited, so if
 * the event cannot be written the act fails (a view shows no code).
 */
export async function recordAudit(deps: UseCaseDependencies, entry: AuditEntry): Promise<void> {
  await deps.store.appendAudit(auditEventOf(deps, entry));
}

export interface MaterializeResult {
  /** Events of this region, appended (or found already appended). */
  appended: number;
  /** Events of other regions: their own region materializes them, and replication brings the items. */
  otherRegions: number;
}

/**
 * The stream's side of the outbox: appends the outbox events of changed items that were written in this
 * region. Idempotent: an event already appended (by its writer, or by an earlier delivery of the same
 * stream record) stays one item.
 */
export async function materializeAuditOutbox(
  deps: Pick<UseCaseDependencies, 'store' | 'regionName'>,
  events: readonly OutboxEvent[],
): Promise<MaterializeResult> {
  const own = events.filter((event) => event.region === deps.regionName);
  await appendAuditEvents(deps, own);
  return { appended: own.length, otherRegions: events.length - own.length };
}

/** A token's audit trail, newest first; 404 outside the actor's domains. */
export async function listAuditTrail(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  page: PageRequest,
): Promise<Page<Omit<AuditEvent, 'serial'>>> {
  const domain = await deps.store.getTokenDomain(serial);
  if (domain === null || !canSeeDomain(actor, domain)) throw new NotFoundError('No such token');
  const cursors = new PageCursors(deps.sealer, deps.clock);
  const scope = { operation: 'getAuditTrail', actor, query: { serial } };
  const inner = await cursors.open(scope, page.cursor);
  if (inner !== null && typeof inner !== 'string') throw invalidCursor();
  const events = await deps.store.listAudit(serial, { limit: page.limit, cursor: inner });
  return {
    items: events.items.map(({ serial: _serial, ...event }) => event),
    cursor: await cursors.seal(scope, events.cursor),
  };
}
