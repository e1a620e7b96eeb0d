import { isLocked, mergeCounters, unlock } from '../domain/lockout';
import type { RegionalCounters, TokenOverview } from '../domain/model';
import { auditEventOf, recordAudit, type AuditEntry } from './audit';
import type { AdminActor, UseCaseDependencies } from './context';
import { loadVisibleTokenState } from './emergency-access';
import { updateCounters } from './lockout-counters';

/**
 * The administrator's unlock (`POST /v1/tokens/{serial}/unlock`): a new unlock epoch lifts every lock
 * recorded before it, and the failures seen are acknowledged (domain/lockout.ts). 404 outside the
 * administrator's domains. Idempotent: unlocking a token that is not locked and has no failures writes
 * nothing, and is audited all the same (`changed: false`). A concurrent failed attempt in this region
 * does not make it fail: the items are read again and unlocked again. The unlock's event is in the outbox
 * of the lockout item's write, so it describes the counters that write saw and made.
 */
export async function unlockToken(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
): Promise<TokenOverview> {
  const state = await loadVisibleTokenState(deps, actor, serial);
  const before = state.lockout;
  const needed = isLocked(before) || before.tokencodeFailures > 0 || before.emergencyAccessFailures > 0;
  const entry = (
    items: readonly RegionalCounters[],
    after: readonly RegionalCounters[],
    changed: boolean,
  ): AuditEntry => {
    const was = mergeCounters(serial, items);
    const now = mergeCounters(serial, after);
    return {
      serial,
      action: 'token.unlock',
      actor: actor.id,
      via: actor.via,
      requestId: actor.requestId,
      outcome: 'success',
      details: {
        changed,
        wasLocked: isLocked(was),
        stillLocked: isLocked(now),
        tokencodeFailures: was.tokencodeFailures,
        emergencyAccessFailures: was.emergencyAccessFailures,
        unlockEpoch: now.unlockEpoch,
      },
    };
  };
  // Whether the last attempt wrote: each attempt starts with `change` and writes only after `audit`.
  let wrote = false;
  const items = needed
    ? (await updateCounters(
        deps,
        state,
        (all, own) => {
          wrote = false;
          return unlock(all, own);
        },
        (seen, next) => {
          wrote = true;
          return [
            auditEventOf(deps, entry(seen, [...seen.filter((c) => c.region !== next.region), next], true)),
          ];
        },
      ))!
    : state.items.counters;
  // No write (nothing to unlock, or a concurrent unlock did it): audited alone, as `changed: false`.
  if (!wrote) await recordAudit(deps, entry(items, items, false));
  const after = mergeCounters(serial, items);
  return { ...state, lockout: after };
}
