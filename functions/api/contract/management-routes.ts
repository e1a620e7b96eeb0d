import * as z from 'zod/mini';
import { decodeSeed, MAX_SEED_BYTES, MIN_SEED_BYTES } from '../../../shared/domain/seed';
import type { RouteDefinition } from './route';
import {
  agentId,
  domainId,
  pageOf,
  pageQuery,
  personName,
  serial,
  serialParams,
  tokenDetails,
  userId,
} from './schemas';

/** The administrators' management routes (docs/api.md "Management API"): one route group, `admin-manage`. */

const GROUP = 'admin-manage';
const displayName = z.string().check(z.trim(), z.minLength(1), z.maxLength(128));

// Security domains

const characterClass = z.enum(['digits', 'uppercase', 'lowercase']);

/**
 * Types only: the ranges (days, lifetime cap, format entropy) are the domain's offlinePolicyProblems,
 * which answers every failing reason at once. Omitted fields take the product's defaults.
 */
const offlinePolicyInput = z.strictObject({
  offlineAuthenticationEnabled: z.optional(z.boolean()),
  emergencyCodeDownloadPermitted: z.optional(z.boolean()),
  offlineDays: z.optional(z.int()),
  emergencyCodeLifetimeDays: z.optional(z.int()),
  emergencyCodeFormat: z.optional(
    z.strictObject({
      length: z.int(),
      characterClasses: z.array(characterClass).check(z.minLength(1), z.maxLength(3)),
    }),
  ),
  singleUse: z.optional(z.boolean()),
  offlineTokencodes: z.optional(z.boolean()),
});

/** Types only, as for the offline policy: the ranges are the domain's pinPolicyProblems. */
const pinPolicyInput = z.strictObject({
  minLength: z.optional(z.int()),
  maxLength: z.optional(z.int()),
  characters: z.optional(z.enum(['digits', 'alphanumeric'])),
});

/** Types and bounds of the text; the ticket pattern's syntax and the windows are viewPolicyProblems'. */
const viewPolicyInput = z.strictObject({
  reasonRequired: z.optional(z.boolean()),
  ticketPattern: z.optional(z.nullable(z.string().check(z.maxLength(64)))),
  dualControl: z.optional(z.boolean()),
  approvalMinutes: z.optional(z.int()),
  viewMinutes: z.optional(z.int()),
});

export const viewPolicyView = z
  .object({
    reasonRequired: z.boolean().check(z.describe('a reason (free text) before a view')),
    ticketPattern: z
      .nullable(z.string())
      .check(
        z.describe(
          'a ticket reference of this form before a view: # a digit, @ an upper-case letter, #+ and @+ one or more, others literal',
        ),
      ),
    dualControl: z.boolean().check(z.describe('a view waits for a second administrator’s approval')),
    approvalMinutes: z.int().check(z.describe('how long a view request waits for approval')),
    viewMinutes: z.int().check(z.describe('how long after approval the requester may read the code, once')),
  })
  .register(z.globalRegistry, { id: 'ViewPolicy' });

export const pinPolicyView = z
  .object({
    minLength: z.int(),
    maxLength: z.int(),
    characters: z.enum(['digits', 'alphanumeric']),
  })
  .register(z.globalRegistry, { id: 'PinPolicy' });

export const offlinePolicyView = z
  .object({
    offlineAuthenticationEnabled: z.boolean(),
    emergencyCodeDownloadPermitted: z.boolean(),
    offlineDays: z.int(),
    emergencyCodeLifetimeDays: z.int(),
    emergencyCodeFormat: z.object({
      length: z.int(),
      characterClasses: z.array(characterClass),
    }),
    singleUse: z.boolean(),
    offlineTokencodes: z
      .optional(z.boolean())
      .check(
        z.describe(
          'false: offline data carries no tokencode data, only the emergency code (absent on older domains: true)',
        ),
      ),
  })
  .register(z.globalRegistry, { id: 'OfflinePolicy' });

export const securityDomainView = z
  .object({
    id: z.string(),
    name: z.string(),
    offlinePolicy: offlinePolicyView,
    pinPolicy: z.optional(pinPolicyView),
    viewPolicy: z
      .optional(viewPolicyView)
      .check(z.describe('absent on domains stored before view policies: none')),
  })
  .register(z.globalRegistry, { id: 'SecurityDomain' });

const domainParams = z.strictObject({ domainId });

export const listSecurityDomainsRoute = {
  operationId: 'listSecurityDomains',
  method: 'GET',
  path: '/v1/security-domains',
  scope: 'eat/admin',
  group: GROUP,
  summary: 'The security domains you administer, with their offline policy',
  query: pageQuery,
  response: { status: 200, schema: pageOf(securityDomainView), description: 'A page of security domains' },
} as const satisfies RouteDefinition;

export const getSecurityDomainRoute = {
  operationId: 'getSecurityDomain',
  method: 'GET',
  path: '/v1/security-domains/{domainId}',
  scope: 'eat/admin',
  group: GROUP,
  summary: 'A security domain and its offline policy',
  params: domainParams,
  response: { status: 200, schema: securityDomainView, description: 'The security domain; ETag header' },
} as const satisfies RouteDefinition;

export const putSecurityDomainRoute = {
  operationId: 'putSecurityDomain',
  method: 'PUT',
  path: '/v1/security-domains/{domainId}',
  scope: 'eat/admin',
  group: GROUP,
  summary:
    'Create (201) or replace (200, If-Match required) a security domain and its offline policy; administrators of all domains only',
  params: domainParams,
  body: z.strictObject({
    name: displayName,
    offlinePolicy: z.optional(offlinePolicyInput),
    pinPolicy: z.optional(pinPolicyInput),
    viewPolicy: z.optional(viewPolicyInput),
  }),
  ifMatch: 'optional',
  response: {
    status: 200,
    schema: securityDomainView,
    description: 'The security domain as stored (201 when created); ETag header',
  },
} as const satisfies RouteDefinition;

// Users

export const userView = z
  .object({ userId: z.string(), firstName: z.string(), lastName: z.string(), securityDomain: z.string() })
  .register(z.globalRegistry, { id: 'User' });

const userParams = z.strictObject({ userId });

export const getUserRoute = {
  operationId: 'getUser',
  method: 'GET',
  path: '/v1/users/{userId}',
  scope: 'eat/admin',
  group: GROUP,
  summary: 'A user (case-insensitive id)',
  params: userParams,
  response: { status: 200, schema: userView, description: 'The user; ETag header' },
} as const satisfies RouteDefinition;

export const putUserRoute = {
  operationId: 'putUser',
  method: 'PUT',
  path: '/v1/users/{userId}',
  scope: 'eat/admin',
  group: GROUP,
  summary:
    "Create (201) or replace (200, If-Match required) a user; the user's tokens follow its names and security domain",
  params: userParams,
  body: z.strictObject({ firstName: personName, lastName: personName, securityDomain: domainId }),
  ifMatch: 'optional',
  response: {
    status: 200,
    schema: userView,
    description: 'The user as stored (201 when created); ETag header',
  },
} as const satisfies RouteDefinition;

// Tokens

export const managedToken = z
  .extend(tokenDetails, { digits: z.union([z.literal(6), z.literal(8)]), pinSet: z.boolean() })
  .register(z.globalRegistry, { id: 'ManagedToken' });

/**
 * A TOTP seed in base32 (spaces and padding allowed), 128 to 512 bits: RFC 4226 asks for at least 128.
 * The messages never repeat the value.
 */
const seed = z.string().check(
  z.maxLength(128, 'a seed is at most 128 characters of base32'),
  z.regex(/^[A-Za-z2-7 =]+$/, 'a seed is base32 (A-Z, 2-7)'),
  z.refine(
    (text) => {
      // The domain's rule (shared/domain/seed.ts). zod runs this even when the pattern failed.
      try {
        decodeSeed(text).fill(0);
        return true;
      } catch {
        return false;
      }
    },
    { message: `a seed is ${MIN_SEED_BYTES * 8} to ${MAX_SEED_BYTES * 8} bits` },
  ),
);

export const importTokenRoute = {
  operationId: 'importToken',
  method: 'POST',
  path: '/v1/tokens',
  scope: 'eat/admin',
  group: GROUP,
  summary:
    'Import a token with its TOTP seed (accepted, sealed, never returned); 409 TOKEN_EXISTS if the serial is taken',
  body: z.strictObject({
    serial,
    kind: z.enum(['securid', 'authenticate']),
    seed,
    digits: z.union([z.literal(6), z.literal(8)]),
    securityDomain: domainId,
    enabled: z.optional(z.boolean()),
  }),
  response: {
    status: 201,
    schema: managedToken,
    description: 'The token, unassigned; ETag and Location headers',
  },
  audit: 'token.manage',
} as const satisfies RouteDefinition;

export const assignTokenRoute = {
  operationId: 'assignToken',
  method: 'PUT',
  path: '/v1/tokens/{serial}/assignment',
  scope: 'eat/admin',
  group: GROUP,
  summary:
    "Assign the token to a user; it moves to the user's security domain. 409 TOKEN_ASSIGNED while another user has it",
  params: serialParams,
  body: z.strictObject({ userId }),
  ifMatch: 'optional',
  response: { status: 200, schema: managedToken, description: 'The token; ETag header' },
  audit: 'token.manage',
} as const satisfies RouteDefinition;

export const unassignTokenRoute = {
  operationId: 'unassignToken',
  method: 'DELETE',
  path: '/v1/tokens/{serial}/assignment',
  scope: 'eat/admin',
  group: GROUP,
  summary:
    'Unassign the token: its PIN is cleared, online use of the offline code revoked and a new offline code requested',
  params: serialParams,
  ifMatch: 'optional',
  response: { status: 200, schema: managedToken, description: 'The token; ETag header' },
  audit: 'token.manage',
} as const satisfies RouteDefinition;

export const setTokenEnabledRoute = {
  operationId: 'setTokenEnabled',
  method: 'PUT',
  path: '/v1/tokens/{serial}/enabled',
  scope: 'eat/admin',
  group: GROUP,
  summary: 'Enable or disable the token',
  params: serialParams,
  body: z.strictObject({ enabled: z.boolean() }),
  ifMatch: 'optional',
  response: { status: 200, schema: managedToken, description: 'The token; ETag header' },
  audit: 'token.manage',
} as const satisfies RouteDefinition;

export const setPinRoute = {
  operationId: 'setPin',
  method: 'PUT',
  path: '/v1/tokens/{serial}/pin',
  scope: 'eat/admin',
  group: GROUP,
  summary: 'Set the PIN of an assigned securid token (only its salted verifier is stored)',
  params: serialParams,
  // The shape any PIN has; the token's security domain PIN policy decides the rest.
  body: z.strictObject({
    pin: z.string().check(z.regex(/^[A-Za-z0-9]{4,8}$/, 'a PIN is 4 to 8 letters and digits')),
  }),
  ifMatch: 'optional',
  response: { status: 200, schema: managedToken, description: 'The token; ETag header' },
  audit: 'token.manage',
} as const satisfies RouteDefinition;

export const clearPinRoute = {
  operationId: 'clearPin',
  method: 'DELETE',
  path: '/v1/tokens/{serial}/pin',
  scope: 'eat/admin',
  group: GROUP,
  summary: 'Clear the PIN of a securid token',
  params: serialParams,
  ifMatch: 'optional',
  response: { status: 200, schema: managedToken, description: 'The token; ETag header' },
  audit: 'token.manage',
} as const satisfies RouteDefinition;

export const unlockTokenRoute = {
  operationId: 'unlockToken',
  method: 'POST',
  path: '/v1/tokens/{serial}/unlock',
  scope: 'eat/admin',
  group: GROUP,
  summary: 'Lift a lockout: both failure counters back to zero',
  params: serialParams,
  response: { status: 200, schema: tokenDetails, description: 'The token with its counters' },
  audit: 'token.unlock',
} as const satisfies RouteDefinition;

// Agents

export const agentView = z
  .object({ agentId: z.string(), name: z.string(), supportsOfflineAuthentication: z.boolean() })
  .register(z.globalRegistry, { id: 'Agent' });

const agentParams = z.strictObject({ agentId });

export const listAgentsRoute = {
  operationId: 'listAgents',
  method: 'GET',
  path: '/v1/agents',
  scope: 'eat/admin',
  group: GROUP,
  summary: 'The authentication agents; administrators of all domains only',
  query: pageQuery,
  response: { status: 200, schema: pageOf(agentView), description: 'A page of agents' },
} as const satisfies RouteDefinition;

export const getAgentRoute = {
  operationId: 'getAgent',
  method: 'GET',
  path: '/v1/agents/{agentId}',
  scope: 'eat/admin',
  group: GROUP,
  summary: 'An authentication agent; administrators of all domains only',
  params: agentParams,
  response: { status: 200, schema: agentView, description: 'The agent; ETag header' },
} as const satisfies RouteDefinition;

export const putAgentRoute = {
  operationId: 'putAgent',
  method: 'PUT',
  path: '/v1/agents/{agentId}',
  scope: 'eat/admin',
  group: GROUP,
  summary:
    'Register (201) or replace (200, If-Match required) an authentication agent; administrators of all domains only',
  params: agentParams,
  body: z.strictObject({ name: displayName, supportsOfflineAuthentication: z.boolean() }),
  ifMatch: 'optional',
  response: {
    status: 200,
    schema: agentView,
    description: 'The agent as stored (201 when created); ETag header',
  },
} as const satisfies RouteDefinition;

export const MANAGEMENT_ROUTES: readonly RouteDefinition[] = [
  listSecurityDomainsRoute,
  getSecurityDomainRoute,
  putSecurityDomainRoute,
  getUserRoute,
  putUserRoute,
  importTokenRoute,
  assignTokenRoute,
  unassignTokenRoute,
  setTokenEnabledRoute,
  setPinRoute,
  clearPinRoute,
  unlockTokenRoute,
  listAgentsRoute,
  getAgentRoute,
  putAgentRoute,
];
