import * as z from 'zod/mini';
import { offlineDataSchema } from '../../../shared/agent/offline-data-schema';
import { MAX_PASSCODE_LENGTH } from '../../../shared/domain/passcode';
import type { RouteDefinition } from './route';
import { userId } from './schemas';

/** The agents' routes (docs/api.md "Agent API"). */
export const offlineData = z.clone(offlineDataSchema).register(z.globalRegistry, { id: 'OfflineData' });

export const agentAuthenticationReply = z
  .object({
    outcome: z.enum(['accept', 'reject', 'locked']),
    method: z.nullable(z.enum(['tokencode', 'emergency-access'])),
    offlineData: z.nullable(offlineData),
    reason: z
      .optional(z.enum(['ONLINE_USE_NOT_ALLOWED']))
      .check(
        z.describe(
          'on a reject, only after the right PIN and offline emergency code: the code is not allowed for online use (an administrator can allow it); absent for every other reject',
        ),
      ),
  })
  .register(z.globalRegistry, { id: 'AgentAuthenticationReply' });

export const agentAuthenticateRoute = {
  operationId: 'agentAuthenticate',
  method: 'POST',
  path: '/v1/agent/authenticate',
  scope: 'eat/agent',
  group: 'agent-authenticate',
  summary:
    'Online authentication with PIN and tokencode or offline emergency code; offline data for offline-capable agents',
  body: z.strictObject({
    userId,
    // Checked, not described: a validation message never repeats the passcode.
    passcode: z.string().check(z.minLength(1), z.maxLength(MAX_PASSCODE_LENGTH)),
    heldOffline: z.optional(
      z.strictObject({
        generation: z.int().check(z.gte(0)),
        issueId: z.optional(
          z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/, 'an issue id is 1-64 letters, digits and dashes')),
        ),
        // The agent accepted this single-use code offline: it is spent online too, and the next issued.
        spentOffline: z.optional(z.boolean()),
      }),
    ),
  }),
  response: {
    status: 200,
    schema: agentAuthenticationReply,
    description: 'accept, reject or locked; a wrong passcode is not an HTTP error',
  },
  audit:
    'authenticate.tokencode, authenticate.emergency-access, authenticate.lockout, offline-data.downloaded, emergency-access.issued, emergency-access.used-offline',
} as const satisfies RouteDefinition;

export const AGENT_ROUTES: readonly RouteDefinition[] = [agentAuthenticateRoute];
