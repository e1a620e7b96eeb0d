import { ConflictError, isAppError } from '../domain/errors';
import { sameCounters } from '../domain/lockout';
import type { LockoutCounters } from '../domain/model';
import type { UseCaseDependencies } from './context';

const ATTEMPTS = 5;

/** A lost race on a conditional write. Not `instanceof`: the error may come from another copy of the module. */
export const isConflict = (error: unknown): boolean => isAppError(error) && error.code === 'ETAG_MISMATCH';

/**
 * Applies `change` to the counters and saves them conditionally; on a lost race, reads them again and
 * applies it to what is there, so concurrent attempts each count. `change` may return null to give up
 * (what it saw forbids the change); the result is then null. Nothing is written when nothing changes.
 */
export async function updateCounters(
  deps: UseCaseDependencies,
  current: LockoutCounters,
  change: (counters: LockoutCounters) => LockoutCounters | null,
): Promise<LockoutCounters | null> {
  let counters = current;
  for (let attempt = 1; ; attempt++) {
    const next = change(counters);
    if (next === null) return null;
    if (sameCounters(next, counters)) return counters;
    try {
      return await deps.store.saveLockoutCounters(next);
    } catch (error) {
      if (!isConflict(error) || attempt >= ATTEMPTS) throw error;
      const state = await deps.store.getTokenState(counters.serial);
      if (state === null) throw new ConflictError('The token went away');
      counters = state.lockout;
    }
  }
}
