import { z } from 'zod';
import { offlineDataSchema } from '../../../shared/agent/offline-data-schema';
import { MAX_PASSCODE_LENGTH } from '../../../shared/domain/passcode';
import type { RouteDefinition } from './route';
import { userId } from './schemas';

/** The agents' routes (docs/api.md "Agent API"). */
export const offlineData = offlineDataSchema.meta({ id: 'OfflineData' });

export const agentAuthenticationReply = z
  .object({
    outcome: z.enum(['accept', 'reject', 'locked']),
    method: z.enum(['tokencode', 'emergency-access']).nullable(),
    offlineData: offlineData.nullable(),
    reason: z
      .enum(['ONLINE_USE_NOT_ALLOWED'])
      .optional()
      .describe(
        'on a reject, only after the right PIN and offline emergency code: the code is not allowed for online use (an administrator can allow it); absent for every other reject',
      ),
  })
  .meta({ id: 'AgentAuthenticationReply' });

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
    passcode: z.string().min(1).max(MAX_PASSCODE_LENGTH),
    heldOffline: z
      .strictObject({
        generation: z.number().int().min(0),
        issueId: z
          .string()
          .regex(/^[A-Za-z0-9-]{1,64}$/, 'an issue id is 1-64 letters, digits and dashes')
          .optional(),
        // The agent accepted this single-use code offline: it is spent online too, and the next issued.
        spentOffline: z.boolean().optional(),
      })
      .optional(),
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
