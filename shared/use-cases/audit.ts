import { NotFoundError } from '../domain/errors';
import type { AuditAction, AuditDetailValue, AuditEvent, AuditOutcome } from '../domain/model';
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

/** Appends an audit event, stamped with the time and this region. Details never hold a secret. */
export async function recordAudit(deps: UseCaseDependencies, entry: AuditEntry): Promise<void> {
  await deps.store.appendAudit({
    serial: entry.serial,
    at: deps.clock().toISOString(),
    action: entry.action,
    actor: entry.actor,
    region: deps.regionName,
    outcome: entry.outcome,
    requestId: entry.requestId,
    details: { ...entry.details, ...(entry.via === undefined ? {} : { via: entry.via }) },
  });
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
