import * as z from 'zod/mini';
import type { RouteDefinition } from './route';
import {
  accessReason,
  isoTime,
  pageOf,
  pageQuery,
  serial,
  ticketReference,
  userRef,
  viewRequestId,
} from './schemas';

/**
 * Dual control of a view (docs/api.md "Dual control"): one route group, `admin-view-approvals`. The view
 * itself stays `GET /v1/tokens/{serial}/emergency-access`, with `?approval=<id>`.
 */

const GROUP = 'admin-view-approvals';

export const viewRequestView = z
  .object({
    id: z.string(),
    serial: z.string(),
    user: z.nullable(userRef),
    securityDomain: z.string(),
    region: z.string().check(z.describe('the region that holds the request: decide and use it there')),
    requestedBy: z.string(),
    requestedAt: isoTime,
    reason: z.string(),
    ticket: z.nullable(z.string()),
    approveBy: isoTime,
    status: z.enum(['pending', 'approved', 'denied', 'expired', 'viewed', 'cancelled']),
    decidedBy: z.nullable(z.string()),
    decidedAt: z.nullable(isoTime),
    viewBy: z.nullable(isoTime).check(z.describe('once approved: the code may be read once before this')),
    viewedAt: z.nullable(isoTime),
    cancelledBy: z.nullable(z.string()).check(z.describe('who withdrew it before its use')),
    cancelledAt: z.nullable(isoTime),
    yours: z.boolean().check(z.describe('you asked: you may read it once approved, and may not decide it')),
  })
  .register(z.globalRegistry, { id: 'ViewRequest' });

const requestParams = z.strictObject({ serial, requestId: viewRequestId });

export const requestViewRoute = {
  operationId: 'requestView',
  method: 'POST',
  path: '/v1/tokens/{serial}/view-requests',
  scope: 'eat/admin',
  group: GROUP,
  summary: "Ask a second administrator's approval to read the token's offline code (dual control)",
  params: z.strictObject({ serial }),
  body: z.strictObject({ reason: accessReason, ticket: z.optional(ticketReference) }),
  response: { status: 201, schema: viewRequestView, description: 'The pending request' },
  audit: 'emergency-access.view-requested',
} as const satisfies RouteDefinition;

export const listViewRequestsRoute = {
  operationId: 'listViewRequests',
  method: 'GET',
  path: '/v1/view-requests',
  scope: 'eat/admin',
  group: GROUP,
  summary: 'Pending view requests in your security domains, soonest deadline first (a page may be short)',
  query: pageQuery,
  response: { status: 200, schema: pageOf(viewRequestView), description: 'A page of pending requests' },
} as const satisfies RouteDefinition;

export const getViewRequestRoute = {
  operationId: 'getViewRequest',
  method: 'GET',
  path: '/v1/tokens/{serial}/view-requests/{requestId}',
  scope: 'eat/admin',
  group: GROUP,
  summary: 'A view request and where it stands',
  params: requestParams,
  response: { status: 200, schema: viewRequestView, description: 'The request' },
} as const satisfies RouteDefinition;

export const approveViewRequestRoute = {
  operationId: 'approveViewRequest',
  method: 'POST',
  path: '/v1/tokens/{serial}/view-requests/{requestId}/approve',
  scope: 'eat/admin',
  group: GROUP,
  summary: "Approve another administrator's view request, in its region, before its deadline",
  params: requestParams,
  response: { status: 200, schema: viewRequestView, description: 'The approved request' },
  audit: 'emergency-access.view-approved, emergency-access.view-expired',
} as const satisfies RouteDefinition;

export const denyViewRequestRoute = {
  operationId: 'denyViewRequest',
  method: 'POST',
  path: '/v1/tokens/{serial}/view-requests/{requestId}/deny',
  scope: 'eat/admin',
  group: GROUP,
  summary: "Deny another administrator's view request",
  params: requestParams,
  response: { status: 200, schema: viewRequestView, description: 'The denied request' },
  audit: 'emergency-access.view-denied, emergency-access.view-expired',
} as const satisfies RouteDefinition;

export const cancelViewRequestRoute = {
  operationId: 'cancelViewRequest',
  method: 'POST',
  path: '/v1/tokens/{serial}/view-requests/{requestId}/cancel',
  scope: 'eat/admin',
  group: GROUP,
  summary:
    'Withdraw a view request before its use (pending, or approved and not yet used): the requester or an administrator of its domain, in its region',
  params: requestParams,
  response: { status: 200, schema: viewRequestView, description: 'The cancelled request' },
  audit: 'emergency-access.view-cancelled, emergency-access.view-expired',
} as const satisfies RouteDefinition;

export const VIEW_APPROVAL_ROUTES: readonly RouteDefinition[] = [
  requestViewRoute,
  listViewRequestsRoute,
  getViewRequestRoute,
  approveViewRequestRoute,
  denyViewRequestRoute,
  cancelViewRequestRoute,
];
