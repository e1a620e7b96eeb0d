/**
 * One valid request per route of ALL_ROUTES, over the demo data: what the validation and OpenAPI tests
 * bend into invalid ones. Valid means that every part passes the route's schemas, not that the call
 * succeeds. A route that takes input and has no example here fails those tests, so none is forgotten.
 */
import type { RouteDefinition } from '../../../functions/api/contract/route';
import type { Claims } from '../../support/events';
import { ADMIN, AGENT } from '../../support/events';

export interface RouteExample {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: Record<string, unknown>;
}

const serial = { serial: '000100000001' };
/** The view request the authorization matrix seeds on alice's token (seedViewRequest). */
export const EXAMPLE_VIEW_REQUEST_ID = '0123456789abcdef0123456789abcdef';
const viewRequest = { ...serial, requestId: EXAMPLE_VIEW_REQUEST_ID };

export const ROUTE_EXAMPLES: Record<string, RouteExample> = {
  searchTokens: { query: { lastName: 'Arch', domain: 'SystemDomain', limit: '10' } },
  getToken: { params: serial },
  viewEmergencyAccess: { params: serial, query: { reason: 'Locked out at a customer site' } },
  saveEmergencyAccess: { params: serial, body: { onlineUseAllowed: true, resetOffline: true } },
  resetEmergencyAccess: { params: serial },
  setOnlineUse: { params: serial, body: { allowed: true } },
  getAuditTrail: { params: serial, query: { limit: '5' } },
  exportAuditChain: { params: serial },
  getReplicationStatus: { params: serial },
  listSecurityDomains: { query: { limit: '5' } },
  getSecurityDomain: { params: { domainId: 'Sales' } },
  putSecurityDomain: {
    params: { domainId: 'Sales' },
    body: {
      name: 'Sales',
      offlinePolicy: {
        offlineDays: 14,
        emergencyCodeFormat: { length: 10, characterClasses: ['digits', 'uppercase'] },
      },
    },
  },
  getUser: { params: { userId: 'alice' } },
  putUser: {
    params: { userId: 'alice' },
    body: { firstName: 'Alice', lastName: 'Archer', securityDomain: 'SystemDomain' },
  },
  importToken: {
    body: {
      serial: 'NEW0001',
      kind: 'securid',
      seed: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
      digits: 6,
      securityDomain: 'SystemDomain',
      enabled: true,
    },
  },
  assignToken: { params: serial, body: { userId: 'alice' } },
  unassignToken: { params: serial },
  setTokenEnabled: { params: serial, body: { enabled: true } },
  setPin: { params: serial, body: { pin: '2468' } },
  clearPin: { params: serial },
  unlockToken: { params: serial },
  listAgents: { query: { limit: '5' } },
  getAgent: { params: { agentId: 'win-agent-1' } },
  putAgent: {
    params: { agentId: 'win-agent-1' },
    body: { name: 'Windows login agent', supportsOfflineAuthentication: true },
  },
  requestView: { params: serial, body: { reason: 'Locked out at a customer site', ticket: 'INC0012345' } },
  listViewRequests: { query: { limit: '5' } },
  getViewRequest: { params: viewRequest },
  approveViewRequest: { params: viewRequest },
  denyViewRequest: { params: viewRequest },
  cancelViewRequest: { params: viewRequest },
  agentAuthenticate: { body: { userId: 'alice', passcode: '2468123456', heldOffline: { generation: 1 } } },
  getOpenApi: {},
};

export function exampleOf(route: RouteDefinition): RouteExample {
  const example = ROUTE_EXAMPLES[route.operationId];
  if (example === undefined) {
    throw new Error(`No example request for ${route.operationId}: add one to route-examples.ts`);
  }
  return example;
}

/** The claims a caller of the route has. */
export function claimsFor(route: RouteDefinition): Claims | null {
  if (route.scope === null) return null;
  return route.scope === 'eat/agent' ? AGENT : ADMIN;
}

export const takesInput = (route: RouteDefinition): boolean =>
  route.params !== undefined || route.query !== undefined || route.body !== undefined;
