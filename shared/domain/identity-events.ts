/**
 * What an identity team is told: every issue, view, reset and use of an offline emergency code (online, or
 * reported by an agent after an offline use), as an event of its own schema (docs/identity-events.md), made
 * from the audit event that records the act. An event names the token, its user and domain, who acted,
 * where and when; never a code, a PIN, a seed or a token: its details are an allow-list of the audit
 * event's, and an audit event never holds a secret either.
 */
import type { AuditAction, AuditDetailValue, OutboxEvent } from './model';

export const IDENTITY_EVENT_SOURCE = 'eat.emergency-access';
export const IDENTITY_EVENT_VERSION = 1;

/** The `detail-type` of each published act; an audit action not listed here is not published. */
export const IDENTITY_DETAIL_TYPES = {
  'emergency-access.issued': 'Emergency Code Issued',
  'emergency-access.view': 'Emergency Code Viewed',
  'emergency-access.reset': 'Emergency Code Reset',
  'authenticate.emergency-access': 'Emergency Code Used Online',
  'emergency-access.used-offline': 'Emergency Code Used Offline',
} as const satisfies Partial<Record<AuditAction, string>>;

export type IdentityDetailType = (typeof IDENTITY_DETAIL_TYPES)[keyof typeof IDENTITY_DETAIL_TYPES];

/** The audit details an identity event carries, when the audit event has them: none is a secret. */
export const IDENTITY_DETAIL_KEYS = [
  'generation',
  'codeShown',
  'eligible',
  'reason',
  'issueId',
  'changed',
  'resetOffline',
  'agentId',
  'via',
  'heldGeneration',
  'offlineData',
] as const;

/** The token's owner when the event was published (a later reassignment is its own event). */
export interface TokenOwner {
  userId: string | null;
  securityDomain: string;
}

export interface IdentityEventDetail {
  version: typeof IDENTITY_EVENT_VERSION;
  /** The audit event's id: the same for every delivery of one act, to deduplicate on. */
  eventId: string;
  serial: string;
  userId: string | null;
  securityDomain: string | null;
  action: keyof typeof IDENTITY_DETAIL_TYPES;
  outcome: 'success';
  actor: string;
  region: string;
  at: string;
  requestId: string;
  details: Partial<Record<(typeof IDENTITY_DETAIL_KEYS)[number], AuditDetailValue>>;
}

export interface IdentityEvent {
  source: typeof IDENTITY_EVENT_SOURCE;
  detailType: IdentityDetailType;
  time: string;
  detail: IdentityEventDetail;
}

function isPublished(action: AuditAction): action is keyof typeof IDENTITY_DETAIL_TYPES {
  return Object.hasOwn(IDENTITY_DETAIL_TYPES, action);
}

/**
 * The identity event of an audit event, or null when the act is not one the identity team is told of: an
 * action not listed, or an act that did not happen (a refused view, a rejected login).
 */
export function identityEventOf(event: OutboxEvent, owner: TokenOwner | null): IdentityEvent | null {
  if (!isPublished(event.action) || event.outcome !== 'success') return null;
  const details: IdentityEventDetail['details'] = {};
  for (const key of IDENTITY_DETAIL_KEYS) {
    if (Object.hasOwn(event.details, key)) details[key] = event.details[key];
  }
  return {
    source: IDENTITY_EVENT_SOURCE,
    detailType: IDENTITY_DETAIL_TYPES[event.action],
    time: event.at,
    detail: {
      version: IDENTITY_EVENT_VERSION,
      eventId: event.eventId,
      serial: event.serial,
      userId: owner?.userId ?? null,
      securityDomain: owner?.securityDomain ?? null,
      action: event.action,
      outcome: 'success',
      actor: event.actor,
      region: event.region,
      at: event.at,
      requestId: event.requestId,
      details,
    },
  };
}
