import { isLocked, mergeCounters, unlock } from '../domain/lockout';
import { recordAudit } from './audit';
import type { AdminActor, UseCaseDependencies } from './context';
import { loadVisibleTokenState } from './emergency-access';
import { updateCounters } from './lockout-counters';
import { tokenDetailsOf, type TokenDetails } from './views';

/**
 * The administrator's unlock (`POST /v1/tokens/{serial}/unlock`): a new unlock epoch lifts every lock
 * recorded before it, and the failures seen are acknowledged (domain/lockout.ts). 404 outside the
 * administrator's domains. Idempotent: unlocking a token that is not locked and has no failures writes
 * nothing, and is audited all the same (`changed: false`). A concurrent failed attempt in this region
 * does not make it fail: the items are read again and unlocked again.
 */
export async function unlockToken(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
): Promise<TokenDetails> {
  const state = await loadVisibleTokenState(deps, actor, serial);
  const before = state.lockout;
  const needed = isLocked(before) || before.tokencodeFailures > 0 || before.emergencyAccessFailures > 0;
  const items = needed ? (await updateCounters(deps, state, unlock))! : state.items.counters;
  const after = mergeCounters(serial, items);
  await recordAudit(deps, {
    serial,
    action: 'token.unlock',
    actor: actor.id,
    via: actor.via,
    requestId: actor.requestId,
    outcome: 'success',
    details: {
      changed: needed,
      wasLocked: isLocked(before),
      stillLocked: isLocked(after),
      tokencodeFailures: before.tokencodeFailures,
      emergencyAccessFailures: before.emergencyAccessFailures,
      unlockEpoch: after.unlockEpoch,
    },
  });
  return tokenDetailsOf({ ...state, lockout: after }, deps.clock());
}
