import * as z from 'zod/mini';
import type { RouteDefinition } from './route';
import {
  accessReason,
  auditEvent,
  cursor,
  domainId,
  emergencyAccessPage,
  limit,
  pageOf,
  pageQuery,
  personName,
  serial,
  serialParams,
  tokenDetails,
  tokenSummary,
  ticketReference,
  userId,
  viewRequestId,
} from './schemas';

/** The administrators' emergency access routes (their OpenAPI document: `GET /v1/openapi.json`). */
export const searchTokensRoute = {
  operationId: 'searchTokens',
  method: 'GET',
  path: '/v1/tokens',
  scope: 'eat/admin',
  group: 'admin-search',
  summary: 'Search tokens by user id, last and first name prefix, serial and security domain',
  query: z.strictObject({
    userId: z.optional(userId),
    lastName: z.optional(personName),
    firstName: z.optional(personName),
    serial: z.optional(serial),
    domain: z.optional(domainId),
    limit: z.optional(limit),
    cursor: z.optional(cursor),
  }),
  response: { status: 200, schema: pageOf(tokenSummary), description: 'A page of tokens' },
} as const satisfies RouteDefinition;

export const getTokenRoute = {
  operationId: 'getToken',
  method: 'GET',
  path: '/v1/tokens/{serial}',
  scope: 'eat/admin',
  group: 'admin-search',
  summary: 'A token without secrets, with its lockout counters',
  params: serialParams,
  response: { status: 200, schema: tokenDetails, description: 'The token' },
} as const satisfies RouteDefinition;

export const viewEmergencyAccessRoute = {
  operationId: 'viewEmergencyAccess',
  method: 'GET',
  path: '/v1/tokens/{serial}/emergency-access',
  scope: 'eat/admin',
  group: 'admin-view',
  summary:
    'The Manage Emergency Access Tokencodes page, with the offline code in clear; audited, with the reason the domain asks for or an approved view request',
  params: serialParams,
  query: z.strictObject({
    reason: z
      .optional(accessReason)
      .check(z.describe('why the code is read; required where the domain asks for it')),
    ticket: z
      .optional(ticketReference)
      .check(z.describe("a ticket reference of the domain's pattern, where it asks for one")),
    approval: z
      .optional(viewRequestId)
      .check(
        z.describe('under dual control: your approved view request (POST .../view-requests), used once'),
      ),
  }),
  response: { status: 200, schema: emergencyAccessPage, description: 'The page; ETag header' },
  audit: 'emergency-access.view',
} as const satisfies RouteDefinition;

export const saveEmergencyAccessRoute = {
  operationId: 'saveEmergencyAccess',
  method: 'PATCH',
  path: '/v1/tokens/{serial}/emergency-access',
  scope: 'eat/admin',
  group: 'admin-change',
  summary: 'Save: reset the offline code and/or set online use, against the ETag that was read',
  params: serialParams,
  body: z
    .strictObject({ resetOffline: z.optional(z.literal(true)), onlineUseAllowed: z.optional(z.boolean()) })
    .check(
      z.refine((body) => body.resetOffline !== undefined || body.onlineUseAllowed !== undefined, {
        message: 'give resetOffline, onlineUseAllowed or both',
      }),
    ),
  ifMatch: 'required',
  response: { status: 200, schema: emergencyAccessPage, description: 'The page without the code; new ETag' },
  audit: 'emergency-access.reset, emergency-access.online-use',
} as const satisfies RouteDefinition;

export const resetEmergencyAccessRoute = {
  operationId: 'resetEmergencyAccess',
  method: 'POST',
  path: '/v1/tokens/{serial}/emergency-access/reset',
  scope: 'eat/admin',
  group: 'admin-change',
  summary: 'Request a new offline code at the next online login',
  params: serialParams,
  ifMatch: 'optional',
  response: { status: 200, schema: emergencyAccessPage, description: 'The page without the code; new ETag' },
  audit: 'emergency-access.reset',
} as const satisfies RouteDefinition;

export const setOnlineUseRoute = {
  operationId: 'setOnlineUse',
  method: 'PUT',
  path: '/v1/tokens/{serial}/emergency-access/online-use',
  scope: 'eat/admin',
  group: 'admin-change',
  summary: 'Allow or forbid the offline code for online authentication',
  params: serialParams,
  body: z.strictObject({ allowed: z.boolean() }),
  ifMatch: 'optional',
  response: { status: 200, schema: emergencyAccessPage, description: 'The page without the code; new ETag' },
  audit: 'emergency-access.online-use',
} as const satisfies RouteDefinition;

export const auditTrailRoute = {
  operationId: 'getAuditTrail',
  method: 'GET',
  path: '/v1/tokens/{serial}/audit',
  scope: 'eat/admin',
  group: 'admin-audit',
  summary: "The token's audit trail, newest first",
  params: serialParams,
  query: pageQuery,
  response: { status: 200, schema: pageOf(auditEvent), description: 'A page of audit events' },
} as const satisfies RouteDefinition;

export const ADMIN_ROUTES: readonly RouteDefinition[] = [
  searchTokensRoute,
  getTokenRoute,
  viewEmergencyAccessRoute,
  saveEmergencyAccessRoute,
  resetEmergencyAccessRoute,
  setOnlineUseRoute,
  auditTrailRoute,
];
