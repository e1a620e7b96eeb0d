import { randomBytes } from 'node:crypto';
import { AppError, ConflictError, isAppError, NotFoundError } from '../domain/errors';
import type { AuditAction, AuditDetailValue, OutboxEvent, TokenState } from '../domain/model';
import { reasonRefusal, viewPolicyOf, type AccessReason, type ViewPolicy } from '../domain/view-policy';
import {
  isCancellable,
  minutesAfter,
  statusAt,
  VIEW_REQUEST_REASONS,
  type ViewRequest,
  type ViewRequestStatus,
} from '../domain/view-request';
import type { Page, PageRequest } from '../ports/token-store';
import { appendAuditEvents, auditEventOf } from './audit';
import { canSeeDomain, type AdminActor, type UseCaseDependencies } from './context';
import { invalidCursor, PageCursors } from './page-cursors';

/**
 * A reason before a view, and dual control (shared/domain/view-policy.ts, view-request.ts): the gate a
 * view passes before its code is opened, and the requests, their approval and denial.
 */

/** What a view brings: a reason (and ticket), or the id of an approved request of the viewer's. */
export interface ViewAccess extends AccessReason {
  approval?: string;
}

/** What the gate lets through: the audit details it adds, and, for a grant, how the view spends it. */
export interface ViewGate {
  details: Record<string, AuditDetailValue>;
  /** Marks the grant used, its view event in the same conditional write; only when a code is shown. */
  spend?: (event: OutboxEvent) => Promise<void>;
}

const reasonDetails = (given: AccessReason): Record<string, AuditDetailValue> => ({
  ...(given.reason === undefined ? {} : { justification: given.reason }),
  ...(given.ticket === undefined ? {} : { ticket: given.ticket }),
});

function requireReason(policy: ViewPolicy, given: AccessReason, purpose: 'view' | 'request'): void {
  const refusal = reasonRefusal(policy, given, purpose);
  if (refusal !== null) throw new AppError(refusal.code, refusal.message);
}

async function policyOfDomain(deps: UseCaseDependencies, domain: string): Promise<ViewPolicy> {
  return viewPolicyOf(await deps.store.getSecurityDomain(domain));
}

const stateRefused = (reason: string, message: string) =>
  new AppError('PRECONDITION_NOT_MET', message, { reasons: [reason] });

function requireHomeRegion(deps: UseCaseDependencies, request: ViewRequest): void {
  if (request.region !== deps.regionName) {
    throw stateRefused(
      VIEW_REQUEST_REASONS.otherRegion,
      `This request is held by region ${request.region}: decide and use it there`,
    );
  }
}

function eventOf(
  deps: UseCaseDependencies,
  actor: AdminActor,
  request: ViewRequest,
  action: AuditAction,
  details: Record<string, AuditDetailValue>,
  outcome: 'success' | 'denied' = 'success',
): OutboxEvent {
  return auditEventOf(deps, {
    serial: request.serial,
    action,
    actor: actor.id,
    via: actor.via,
    requestId: actor.requestId,
    outcome,
    details: { request: request.id, ...details },
  });
}

/**
 * A request found past its deadline is recorded as expired, once, by whoever meets it (an approver, or
 * the requester coming to read), then refused. A lost race means another writer recorded it first.
 */
async function refuseStatus(
  deps: UseCaseDependencies,
  actor: AdminActor,
  request: ViewRequest,
  status: ViewRequestStatus,
): Promise<never> {
  if (status === 'expired' && request.status !== 'expired') {
    const event = eventOf(deps, actor, request, 'emergency-access.view-expired', {
      requestedBy: request.requestedBy,
      was: request.status,
    });
    try {
      await deps.store.saveViewRequest({ ...request, status: 'expired' }, [event]);
      await appendAuditEvents(deps, [event]);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  const messages: Record<ViewRequestStatus, string> = {
    pending: 'The request waits for a second administrator’s approval',
    approved: 'The request is already approved',
    denied: 'The request was denied',
    expired: 'The request ran out of time: ask again',
    viewed: 'The approved view was used: ask again',
    cancelled: 'The request was cancelled: ask again',
  };
  throw stateRefused(VIEW_REQUEST_REASONS[status], messages[status]);
}

/**
 * The gate of a view: with an approval, the viewer's approved, unused, unexpired request of this token in
 * this region; otherwise the domain's policy: dual control refuses (`APPROVAL_REQUIRED`), a required
 * reason or ticket that is missing or does not match refuses (`REASON_REQUIRED`, `TICKET_INVALID`).
 * Nothing is written when it refuses, but the expiry of a request it meets.
 */
export async function viewGate(
  deps: UseCaseDependencies,
  actor: AdminActor,
  state: TokenState,
  access: ViewAccess,
  now: Date,
): Promise<ViewGate> {
  if (access.approval !== undefined) {
    const request = await deps.store.getViewRequest(state.token.serial, access.approval);
    // Someone else's request is as one that does not exist: only the requester may use it.
    if (request === null || request.requestedBy !== actor.id) throw new NotFoundError('No such view request');
    requireHomeRegion(deps, request);
    const status = statusAt(request, now);
    if (status !== 'approved') return refuseStatus(deps, actor, request, status);
    return {
      details: {
        request: request.id,
        approvedBy: request.decidedBy,
        justification: request.reason,
        ticket: request.ticket,
      },
      spend: async (event) => {
        await deps.store.saveViewRequest({ ...request, status: 'viewed', viewedAt: now.toISOString() }, [
          event,
        ]);
      },
    };
  }
  const policy = await policyOfDomain(deps, state.token.securityDomain);
  if (policy.dualControl) {
    throw new AppError(
      'APPROVAL_REQUIRED',
      'This security domain asks for a second administrator’s approval: request a view, then read it with the approval',
    );
  }
  requireReason(policy, access, 'view');
  return { details: reasonDetails(access) };
}

/** A request as the caller sees it now: its status at this time, and whether the caller made it. */
export interface SeenViewRequest {
  request: ViewRequest;
  status: ViewRequestStatus;
  /** The caller asked: they may read the code once approved, and may not decide the request. */
  yours: boolean;
}

const seenBy = (request: ViewRequest, actor: AdminActor, now: Date): SeenViewRequest => ({
  request,
  status: statusAt(request, now),
  yours: request.requestedBy === actor.id,
});

async function visibleTokenDomain(deps: UseCaseDependencies, actor: AdminActor, serial: string) {
  const domain = await deps.store.getTokenDomain(serial);
  if (domain === null || !canSeeDomain(actor, domain)) throw new NotFoundError('No such token');
  return domain;
}

async function visibleRequest(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  id: string,
): Promise<ViewRequest> {
  await visibleTokenDomain(deps, actor, serial);
  const request = await deps.store.getViewRequest(serial, id);
  if (request === null || !canSeeDomain(actor, request.securityDomain)) {
    throw new NotFoundError('No such view request');
  }
  return request;
}

/** Asks to read a token's code under dual control; the reason (and ticket) ride in the request. */
export async function requestView(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  given: AccessReason,
): Promise<SeenViewRequest> {
  const state = await deps.store.getTokenState(serial);
  if (state === null || !canSeeDomain(actor, state.token.securityDomain)) {
    throw new NotFoundError('No such token');
  }
  const policy = await policyOfDomain(deps, state.token.securityDomain);
  if (!policy.dualControl) {
    throw stateRefused(
      VIEW_REQUEST_REASONS.dualControlOff,
      'This security domain has no dual control: read the code directly',
    );
  }
  requireReason(policy, given, 'request');
  const now = deps.clock();
  const request: ViewRequest = {
    id: randomBytes(16).toString('hex'),
    serial,
    user: state.token.user,
    securityDomain: state.token.securityDomain,
    region: deps.regionName,
    requestedBy: actor.id,
    requestedAt: now.toISOString(),
    reason: given.reason!,
    ticket: given.ticket ?? null,
    approveBy: minutesAfter(now, policy.approvalMinutes).toISOString(),
    status: 'pending',
    decidedBy: null,
    decidedAt: null,
    viewBy: null,
    viewedAt: null,
    version: 0,
  };
  const event = eventOf(deps, actor, request, 'emergency-access.view-requested', {
    ...reasonDetails(given),
    approveBy: request.approveBy,
  });
  const saved = await deps.store.saveViewRequest(request, [event]);
  await appendAuditEvents(deps, [event]);
  return seenBy(saved, actor, now);
}

/**
 * Pending requests in the caller's domains, soonest deadline first, the caller's own included (`yours`).
 * One Query of the pending list, filtered to the caller's domains: a page may come back short.
 */
export async function listPendingViewRequests(
  deps: UseCaseDependencies,
  actor: AdminActor,
  page: PageRequest,
): Promise<Page<SeenViewRequest>> {
  const cursors = new PageCursors(deps.sealer, deps.clock);
  const scope = { operation: 'listViewRequests', actor, query: {} };
  const inner = await cursors.open(scope, page.cursor);
  if (inner !== null && typeof inner !== 'string') throw invalidCursor();
  const now = deps.clock();
  const found = await deps.store.listPendingViewRequests(now.toISOString(), {
    limit: page.limit,
    cursor: inner,
  });
  return {
    items: found.items
      .filter((request) => canSeeDomain(actor, request.securityDomain))
      .map((request) => seenBy(request, actor, now)),
    cursor: await cursors.seal(scope, found.cursor),
  };
}

export async function getViewRequest(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  id: string,
): Promise<SeenViewRequest> {
  return seenBy(await visibleRequest(deps, actor, serial, id), actor, deps.clock());
}

/**
 * A second administrator's decision, in the request's region, before its deadline; never the requester's.
 * Conditional on the version read: of an approval and a denial at once, one wins and the other is `412`.
 */
export async function decideViewRequest(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  id: string,
  decision: 'approve' | 'deny',
): Promise<SeenViewRequest> {
  const request = await visibleRequest(deps, actor, serial, id);
  if (request.requestedBy === actor.id) {
    throw new AppError('FORBIDDEN', 'A second administrator decides: not the one who asked', {
      reasons: ['SELF_APPROVAL'],
    });
  }
  requireHomeRegion(deps, request);
  const now = deps.clock();
  const status = statusAt(request, now);
  if (status !== 'pending') return refuseStatus(deps, actor, request, status);
  const approved = decision === 'approve';
  const viewBy = approved
    ? minutesAfter(now, (await policyOfDomain(deps, request.securityDomain)).viewMinutes).toISOString()
    : null;
  const decided: ViewRequest = {
    ...request,
    status: approved ? 'approved' : 'denied',
    decidedBy: actor.id,
    decidedAt: now.toISOString(),
    viewBy,
  };
  const event = eventOf(
    deps,
    actor,
    request,
    approved ? 'emergency-access.view-approved' : 'emergency-access.view-denied',
    { requestedBy: request.requestedBy, ...(viewBy === null ? {} : { viewBy }) },
  );
  const saved = await deps.store.saveViewRequest(decided, [event]);
  await appendAuditEvents(deps, [event]);
  return seenBy(saved, actor, now);
}

/** Reads again after a lost race: the other writer may have approved it (still withdrawable) or ended it. */
const CANCEL_ATTEMPTS = 3;

/** A conditional write lost to another writer (by its code: the store may come from another module copy). */
const lostRace = (error: unknown) => isAppError(error) && error.code === 'ETAG_MISMATCH';

/**
 * Withdraws a request before its use: a pending one, or an approved one not yet used, by the requester or
 * any administrator of its domain, in the region that holds it. Conditional on the version read: a lost
 * race reads the request again; still pending or approved (it was just approved), it is withdrawn; used,
 * denied, cancelled or run out meanwhile, it is `409` with what it became, and nothing is written.
 */
export async function cancelViewRequest(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  id: string,
): Promise<SeenViewRequest> {
  let request = await visibleRequest(deps, actor, serial, id);
  requireHomeRegion(deps, request);
  for (let attempt = 1; ; attempt += 1) {
    const now = deps.clock();
    const status = statusAt(request, now);
    if (!isCancellable(status)) return refuseStatus(deps, actor, request, status);
    const event = eventOf(deps, actor, request, 'emergency-access.view-cancelled', {
      requestedBy: request.requestedBy,
      was: status,
    });
    const cancelled: ViewRequest = {
      ...request,
      status: 'cancelled',
      cancelledBy: actor.id,
      cancelledAt: now.toISOString(),
    };
    try {
      const saved = await deps.store.saveViewRequest(cancelled, [event]);
      await appendAuditEvents(deps, [event]);
      return seenBy(saved, actor, now);
    } catch (error) {
      if (!lostRace(error) || attempt === CANCEL_ATTEMPTS) throw error;
      const current = await deps.store.getViewRequest(serial, id);
      if (current === null) throw new NotFoundError('No such view request');
      request = current;
    }
  }
}
