import { isLocked, unlock } from '../domain/lockout';
import { recordAudit } from './audit';
import type { AdminActor, UseCaseDependencies } from './context';
import { loadVisibleTokenState } from './emergency-access';
import { updateCounters } from './lockout-counters';
import { tokenDetailsOf, type TokenDetails } from './views';

/**
 * The administrator's unlock (`POST /v1/tokens/{serial}/unlock`): both failure counters back to zero and
 * the lock lifted. 404 outside the administrator's domains. Idempotent: unlocking a token that is not
 * locked writes nothing, and is audited all the same (`changed: false`). A concurrent failed attempt
 * does not make it fail: the counters are read again and unlocked again.
 */
export async function unlockToken(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
): Promise<TokenDetails> {
  const state = await loadVisibleTokenState(deps, actor, serial);
  const before = state.lockout;
  const after = (await updateCounters(deps, before, unlock))!;
  await recordAudit(deps, {
    serial,
    action: 'token.unlock',
    actor: actor.id,
    requestId: actor.requestId,
    outcome: 'success',
    details: {
      changed: after.version !== before.version,
      wasLocked: isLocked(before),
      tokencodeFailures: before.tokencodeFailures,
      emergencyAccessFailures: before.emergencyAccessFailures,
    },
  });
  return tokenDetailsOf({ ...state, lockout: after }, deps.clock());
}
