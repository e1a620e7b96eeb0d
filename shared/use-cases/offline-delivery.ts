import { assignmentEpochOf } from '../domain/assignment';
import type { Agent, IssuedEmergencyCode, OfflinePolicy, TokenState } from '../domain/model';
import { buildOfflineData, type OfflineData } from '../domain/offline-data';
import type { UseCaseDependencies } from './context';
import { currentEmergencyCode, type CurrentEmergencyCode } from './issue-code';
import { isConflict } from '../domain/errors';

export interface OfflineDelivery {
  data: OfflineData;
  emergency: CurrentEmergencyCode | null;
}

export interface OfflineDeliveryInput {
  state: TokenState;
  /** The issued code as it stands after this login (a single-use code may just have been spent). */
  issued: IssuedEmergencyCode | null;
  policy: OfflinePolicy;
  agent: Agent;
  /** The PIN the user just authenticated with; null for tokens without one. */
  pin: string | null;
  seed: Uint8Array;
  requestId: string;
  now: Date;
}

/**
 * After an accepted login to an offline-capable agent in a domain with offline authentication: the
 * offline data for the domain's number of days, with the current offline emergency code's verifier when
 * the domain permits its download (issuing a new generation first when one is due), and the record that
 * the user authenticated to this agent and what it downloaded.
 */
export async function deliverOfflineData(
  deps: UseCaseDependencies,
  input: OfflineDeliveryInput,
): Promise<OfflineDelivery> {
  const { state, policy, agent, now } = input;
  const { token } = state;
  const user = token.user!;
  const emergency = policy.emergencyCodeDownloadPermitted
    ? await currentEmergencyCode(
        deps,
        {
          serial: token.serial,
          assignmentEpoch: assignmentEpochOf(token),
          settings: state.settings,
          policy,
          actor: agent.agentId,
          requestId: input.requestId,
          now,
        },
        input.issued,
      )
    : null;
  const data = await buildOfflineData({
    seed: input.seed,
    serial: token.serial,
    digits: token.digits,
    pin: input.pin,
    offlineTokencodes: policy.offlineTokencodes,
    from: now,
    days: policy.offlineDays,
    userId: user.userId,
    kind: token.kind,
    agentId: agent.agentId,
    assignmentEpoch: assignmentEpochOf(token),
    emergencyCode:
      emergency === null
        ? null
        : {
            code: emergency.code,
            generation: emergency.issued.generation,
            issueId: emergency.issued.issueId ?? null,
            expiresAt: emergency.issued.expiresAt,
            singleUse: policy.singleUse,
          },
  });
  await recordDownload(deps, user.userId, agent.agentId, data, now);
  return { data, emergency };
}

const ATTEMPTS = 3;

async function recordDownload(
  deps: UseCaseDependencies,
  userId: string,
  agentId: string,
  data: OfflineData,
  now: Date,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    // This region's record only: another region's is written (and swept) by that region alone.
    const existing = await deps.store.getOfflineAuthentication(userId, agentId, deps.regionName);
    try {
      await deps.store.saveOfflineAuthentication({
        userId,
        agentId,
        region: deps.regionName,
        authenticatedAt: now.toISOString(),
        download: { downloadedAt: now.toISOString(), days: data.days, validUntil: data.validUntil },
        version: existing?.version ?? 0,
      });
      return;
    } catch (error) {
      if (!isConflict(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}
