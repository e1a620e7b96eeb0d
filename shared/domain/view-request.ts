/**
 * Dual control of a view (view-policy.ts): an administrator asks to read a token's offline code, a second
 * administrator approves or denies within the domain's time limit, and the requester alone may then read
 * the code once, within the view window. Until it is used, the requester or an administrator of its domain
 * may withdraw it (`cancelled`). Plain data and the state rules, no I/O.
 *
 * Regions: a request lives in the region it was made in (`region`), and only that region writes it:
 * approvals, denials and the view are refused elsewhere (`VIEW_REQUEST_OTHER_REGION`). Its one item then
 * has a single writer, so its conditional writes decide every race (approve against deny, two views)
 * exactly, and replication (last writer wins per item) only ever copies it to the other regions, where it
 * is listed and read.
 */

export type ViewRequestStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'viewed' | 'cancelled';

export interface ViewRequest {
  /** 32 hex characters, random. */
  id: string;
  serial: string;
  /** The token's user when it was asked, for the approvers to see whose code it is. */
  user: { userId: string; firstName: string; lastName: string } | null;
  /** The token's domain when it was asked: whose administrators may decide. */
  securityDomain: string;
  /** The region that holds it: the only one that writes it. */
  region: string;
  requestedBy: string;
  requestedAt: string;
  reason: string;
  ticket: string | null;
  /** The decision must come before this. */
  approveBy: string;
  /** As stored; `statusAt` says what it is now (a pending or approved request runs out). */
  status: ViewRequestStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  /** Set on approval: the code may be read once before this. */
  viewBy: string | null;
  viewedAt: string | null;
  /** Set when withdrawn before its use (by the requester, or an administrator of its domain). */
  cancelledBy?: string;
  cancelledAt?: string;
  version: number;
}

/** What may still be withdrawn: a request not yet decided, or approved and not yet used. */
export const isCancellable = (status: ViewRequestStatus) => status === 'pending' || status === 'approved';

/** The status at `now`: a request whose deadline passed is expired, whatever it said. */
export function statusAt(request: ViewRequest, now: Date): ViewRequestStatus {
  const at = now.getTime();
  if (request.status === 'pending' && at >= Date.parse(request.approveBy)) return 'expired';
  if (request.status === 'approved' && request.viewBy !== null && at >= Date.parse(request.viewBy)) {
    return 'expired';
  }
  return request.status;
}

/** Why a request cannot be used or decided now, as a `409` reason. */
export const VIEW_REQUEST_REASONS = {
  pending: 'VIEW_REQUEST_PENDING',
  approved: 'VIEW_REQUEST_APPROVED',
  denied: 'VIEW_REQUEST_DENIED',
  expired: 'VIEW_REQUEST_EXPIRED',
  viewed: 'VIEW_REQUEST_USED',
  cancelled: 'VIEW_REQUEST_CANCELLED',
  otherRegion: 'VIEW_REQUEST_OTHER_REGION',
  dualControlOff: 'DUAL_CONTROL_OFF',
} as const;

export const minutesAfter = (at: Date, minutes: number) => new Date(at.getTime() + minutes * 60_000);
