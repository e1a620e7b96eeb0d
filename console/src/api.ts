/**
 * The public API as the console calls it. The shapes are the contract's own (functions/api/contract/schemas.ts),
 * imported as types only: nothing of the server is bundled.
 */
import type { z } from 'zod/mini';
import type {
  auditEvent,
  emergencyAccessPage,
  tokenDetails,
  tokenSummary,
} from '../../functions/api/contract/schemas';
import type { replicationStatus } from '../../functions/api/contract/replication-routes';
import type { viewRequestView } from '../../functions/api/contract/view-approval-routes';
import type { IneligibilityReason } from '../../shared/domain/eligibility';

export type TokenSummary = z.infer<typeof tokenSummary>;
export type TokenDetails = z.infer<typeof tokenDetails>;
export type EmergencyAccessPage = z.infer<typeof emergencyAccessPage>;
export type AuditEvent = z.infer<typeof auditEvent>;
export type ViewRequest = z.infer<typeof viewRequestView>;
export type ReplicationStatus = z.infer<typeof replicationStatus>;

/** What a view brings where the domain asks (docs/api.md): a reason and ticket, or an approved request. */
export interface ViewAccess {
  reason?: string;
  ticket?: string;
  approval?: string;
}
export type { IneligibilityReason };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** An answer other than 2xx, in the contract's error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly reasons: string[],
  ) {
    super(message);
  }
}

export interface Reply<T> {
  body: T;
  etag: string | null;
}

export interface SearchCriteria {
  userId?: string;
  lastName?: string;
  firstName?: string;
  serial?: string;
  domain?: string;
}

export class Api {
  constructor(
    private readonly base: string,
    private readonly accessToken: string,
    /** Called on a 401: the session is over. */
    private readonly onUnauthenticated: () => void,
  ) {}

  private async call<T>(
    method: string,
    path: string,
    options: { body?: unknown; ifMatch?: string } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.accessToken}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
    let response: Response;
    try {
      response = await fetch(`${this.base.replace(/\/$/, '')}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(
        0,
        'NETWORK',
        'The region did not answer. Check the connection or switch region.',
        [],
      );
    }
    const text = await response.text();
    const body = text === '' ? undefined : (JSON.parse(text) as unknown);
    if (!response.ok) {
      const error = (body as { error?: { code?: string; message?: string; reasons?: string[] } })?.error;
      if (response.status === 401) this.onUnauthenticated();
      throw new ApiError(
        response.status,
        error?.code ?? 'UNKNOWN',
        error?.message ?? `HTTP ${response.status}`,
        error?.reasons ?? [],
      );
    }
    return { body: body as T, etag: response.headers.get('etag') };
  }

  searchTokens(criteria: SearchCriteria, cursor: string | null, limit: number) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(criteria)) if (value) query.set(name, value);
    query.set('limit', String(limit));
    if (cursor) query.set('cursor', cursor);
    return this.call<Page<TokenSummary>>('GET', `/v1/tokens?${query}`);
  }

  token(serial: string) {
    return this.call<TokenDetails>('GET', `/v1/tokens/${encodeURIComponent(serial)}`);
  }

  /** The reason travels in the request's query, never in the console's own address. */
  emergencyAccess(serial: string, access: ViewAccess = {}) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(access)) if (value) query.set(name, value);
    return this.call<EmergencyAccessPage>(
      'GET',
      `/v1/tokens/${encodeURIComponent(serial)}/emergency-access${query.size ? `?${query}` : ''}`,
    );
  }

  requestView(serial: string, reason: string, ticket: string) {
    return this.call<ViewRequest>('POST', `/v1/tokens/${encodeURIComponent(serial)}/view-requests`, {
      body: { reason, ...(ticket ? { ticket } : {}) },
    });
  }

  viewRequest(serial: string, id: string) {
    return this.call<ViewRequest>(
      'GET',
      `/v1/tokens/${encodeURIComponent(serial)}/view-requests/${encodeURIComponent(id)}`,
    );
  }

  pendingViewRequests() {
    return this.call<Page<ViewRequest>>('GET', '/v1/view-requests?limit=100');
  }

  /** A second administrator's decision, or the withdrawal (`cancel`) of a request before its use. */
  decideViewRequest(serial: string, id: string, decision: 'approve' | 'deny' | 'cancel') {
    return this.call<ViewRequest>(
      'POST',
      `/v1/tokens/${encodeURIComponent(serial)}/view-requests/${encodeURIComponent(id)}/${decision}`,
    );
  }

  saveEmergencyAccess(
    serial: string,
    change: { resetOffline?: true; onlineUseAllowed?: boolean },
    etag: string,
  ) {
    return this.call<EmergencyAccessPage>(
      'PATCH',
      `/v1/tokens/${encodeURIComponent(serial)}/emergency-access`,
      { body: change, ifMatch: etag },
    );
  }

  /** The regions' view of a change: whether each region already has what was saved here. */
  replication(serial: string) {
    return this.call<ReplicationStatus>('GET', `/v1/tokens/${encodeURIComponent(serial)}/replication`);
  }

  unlock(serial: string) {
    return this.call<TokenDetails>('POST', `/v1/tokens/${encodeURIComponent(serial)}/unlock`);
  }

  audit(serial: string, cursor: string | null) {
    const query = new URLSearchParams({ limit: '20' });
    if (cursor) query.set('cursor', cursor);
    return this.call<Page<AuditEvent>>('GET', `/v1/tokens/${encodeURIComponent(serial)}/audit?${query}`);
  }
}

/** Each reason a token may not have an offline code, in the help desk's words. */
export const REASON_TEXT: Record<IneligibilityReason, string> = {
  TOKEN_UNASSIGNED: 'The token is not assigned to a user.',
  TOKEN_DISABLED: 'The token is disabled.',
  DOMAIN_OFFLINE_DISABLED: "Offline authentication is turned off in the user's security domain.",
  DOMAIN_EAT_DOWNLOAD_NOT_PERMITTED:
    "The user's security domain does not permit downloading offline emergency codes.",
  NO_OFFLINE_AGENT_AUTHENTICATION:
    'The user has not logged in online through an agent that supports offline authentication.',
  NO_OFFLINE_DATA_DOWNLOADED: 'The user has not downloaded offline data yet (at an online login).',
};

/** Why a view request cannot be used or decided, in the help desk's words. */
export const VIEW_REQUEST_TEXT: Record<string, string> = {
  VIEW_REQUEST_PENDING: 'It still waits for a second administrator.',
  VIEW_REQUEST_APPROVED: 'It is already approved.',
  VIEW_REQUEST_DENIED: 'It was denied.',
  VIEW_REQUEST_EXPIRED: 'It ran out of time: ask again.',
  VIEW_REQUEST_USED: 'The approved view was used: ask again.',
  VIEW_REQUEST_CANCELLED: 'It was cancelled: ask again.',
  VIEW_REQUEST_OTHER_REGION: 'It is held by another region: switch region to use it.',
  SELF_APPROVAL: 'A second administrator decides, not the one who asked.',
};

/** A rejected request in the help desk's words. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  switch (error.status) {
    case 401:
      return 'Your session has ended. Sign in again.';
    case 403:
      return error.code === 'FORBIDDEN' && error.reasons.length === 0
        ? 'You are not allowed to do this.'
        : `${error.message}${error.reasons.map((r) => ` ${VIEW_REQUEST_TEXT[r] ?? r}`).join('')}`;
    case 404:
      return 'Not found (or outside your security domains).';
    default:
      return error.reasons.length > 0
        ? `${error.message}: ${error.reasons.map((r) => VIEW_REQUEST_TEXT[r] ?? r).join('; ')}`
        : error.message;
  }
}
