import type { FailureCounts, LockoutCounters, RegionalCounters } from './model';

/**
 * Throttling of online authentication, per token (docs/api.md "Lockout"). NIST SP 800-63B 5.2.2 allows at most
 * 100 consecutive failures; these are far lower. A tokencode is 6 or 8 digits (with a PIN for SecurID),
 * so 10 guesses with at most 2 steps open leave an attacker about 2 in 100,000 for a 6-digit token, while a
 * user who mistypes a few times is not locked out. The emergency code has at least 40 bits, but it is
 * long-lived (days, not a minute) and typed from a help-desk call rather than read off a device, so a
 * legitimate user needs fewer tries and a run of failures is a stronger signal: 5.
 * A success resets both counters ("consecutive"). Reaching either limit locks the token for both methods
 * until an administrator unlocks it.
 *
 * Across regions (each writes only its own item, see model.ts RegionalCounters): failure totals only
 * grow, and a success or an unlock acknowledges the totals it saw. The consecutive failures are the sum,
 * over regions, of what no acknowledgement covers: a failure is forgotten only by a success or an unlock
 * that saw it, so no write in another region can undo a count. A lock is recorded by the region that sees
 * a limit reached and lifted only by an unlock of a later epoch; until every failure behind it is
 * acknowledged, the counts alone keep the token locked as well.
 */
export const TOKENCODE_FAILURE_LIMIT = 10;
export const EMERGENCY_ACCESS_FAILURE_LIMIT = 5;

const NONE: FailureCounts = { tokencode: 0, emergencyAccess: 0 };

export function emptyRegionalCounters(serial: string, region: string): RegionalCounters {
  return {
    serial,
    region,
    failures: { ...NONE },
    acks: {},
    lockedAt: null,
    lockEpoch: 0,
    unlockEpoch: 0,
    lastAcceptedStep: null,
    lastAuthenticatedAt: null,
    version: 0,
  };
}

/** This region's item among the regions' items (a fresh one when it has none yet). */
export function ownCounters(items: readonly RegionalCounters[], serial: string, region: string) {
  return items.find((c) => c.region === region) ?? emptyRegionalCounters(serial, region);
}

const maxOf = (values: readonly number[]) => values.reduce((a, b) => Math.max(a, b), 0);

/** Per region, the highest acknowledgement of its failures by any region. */
function acknowledged(items: readonly RegionalCounters[], region: string): FailureCounts {
  return {
    tokencode: maxOf(items.map((c) => c.acks[region]?.tokencode ?? 0)),
    emergencyAccess: maxOf(items.map((c) => c.acks[region]?.emergencyAccess ?? 0)),
  };
}

function reachesLimit(tokencode: number, emergencyAccess: number): boolean {
  return tokencode >= TOKENCODE_FAILURE_LIMIT || emergencyAccess >= EMERGENCY_ACCESS_FAILURE_LIMIT;
}

export function mergeCounters(serial: string, items: readonly RegionalCounters[]): LockoutCounters {
  let tokencodeFailures = 0;
  let emergencyAccessFailures = 0;
  for (const item of items) {
    const ack = acknowledged(items, item.region);
    tokencodeFailures += Math.max(0, item.failures.tokencode - ack.tokencode);
    emergencyAccessFailures += Math.max(0, item.failures.emergencyAccess - ack.emergencyAccess);
  }
  const unlockEpoch = maxOf(items.map((c) => c.unlockEpoch));
  const locks = items
    .filter((c) => c.lockedAt !== null && c.lockEpoch >= unlockEpoch)
    .map((c) => c.lockedAt!)
    .sort();
  const latest = <T>(values: (T | null)[], better: (a: T, b: T) => boolean) =>
    values.reduce<T | null>((a, b) => (b !== null && (a === null || better(b, a)) ? b : a), null);
  return {
    serial,
    tokencodeFailures,
    emergencyAccessFailures,
    locked: locks.length > 0 || reachesLimit(tokencodeFailures, emergencyAccessFailures),
    lockedAt: locks[0] ?? null,
    unlockEpoch,
    lastAcceptedStep: latest(
      items.map((c) => c.lastAcceptedStep),
      (a, b) => a > b,
    ),
    lastAuthenticatedAt: latest(
      items.map((c) => c.lastAuthenticatedAt),
      (a, b) => a > b,
    ),
  };
}

export const isLocked = (counters: LockoutCounters): boolean => counters.locked;

/** Which methods a failed attempt tried (a passcode that fits neither counts as a tokencode failure). */
export interface FailedAttempt {
  tokencode: boolean;
  emergencyAccess: boolean;
}

/** Replaces this region's item in the list, as it would be read after the write. */
function withOwn(items: readonly RegionalCounters[], own: RegionalCounters): RegionalCounters[] {
  return [...items.filter((c) => c.region !== own.region), own];
}

/** This region's item after a failure; it records the lock when the failure makes the token locked. */
export function countFailure(
  items: readonly RegionalCounters[],
  own: RegionalCounters,
  failed: FailedAttempt,
  now: Date,
): RegionalCounters {
  const counted: RegionalCounters = {
    ...own,
    failures: {
      tokencode: own.failures.tokencode + (failed.tokencode ? 1 : 0),
      emergencyAccess: own.failures.emergencyAccess + (failed.emergencyAccess ? 1 : 0),
    },
  };
  return recordLockIfReached(withOwn(items, counted), counted, now);
}

/** Records the lock on this region's item when the merged counts reach a limit and no lock stands. */
export function recordLockIfReached(
  items: readonly RegionalCounters[],
  own: RegionalCounters,
  now: Date,
): RegionalCounters {
  const merged = mergeCounters(own.serial, items);
  if (!merged.locked || merged.lockedAt !== null) return own;
  return { ...own, lockedAt: now.toISOString(), lockEpoch: merged.unlockEpoch };
}

/** Every region's failure total as seen now: what a success or an unlock acknowledges. */
function acknowledgeAll(items: readonly RegionalCounters[], own: RegionalCounters) {
  const acks: Record<string, FailureCounts> = { ...own.acks };
  for (const item of withOwn(items, own)) {
    const before = acks[item.region] ?? NONE;
    acks[item.region] = {
      tokencode: Math.max(before.tokencode, item.failures.tokencode),
      emergencyAccess: Math.max(before.emergencyAccess, item.failures.emergencyAccess),
    };
  }
  return acks;
}

/** After an accepted passcode: the failures seen so far are acknowledged, and a tokencode's step spent. */
export function countSuccess(
  items: readonly RegionalCounters[],
  own: RegionalCounters,
  acceptedStep: number | null,
  now: Date,
): RegionalCounters {
  const merged = mergeCounters(own.serial, items);
  const steps = [merged.lastAcceptedStep, own.lastAcceptedStep, acceptedStep].filter(
    (s): s is number => s !== null,
  );
  return {
    ...own,
    acks: acknowledgeAll(items, own),
    lastAcceptedStep: steps.length === 0 ? null : Math.max(...steps),
    lastAuthenticatedAt: now.toISOString(),
  };
}

/** Whether a tokencode of this step was already accepted (or an older one was, after it). */
export function isSpentStep(counters: LockoutCounters, step: number): boolean {
  return counters.lastAcceptedStep !== null && step <= counters.lastAcceptedStep;
}

/** The administrator's unlock: a new epoch lifts every lock recorded before it, and the failures seen are acknowledged. */
export function unlock(items: readonly RegionalCounters[], own: RegionalCounters): RegionalCounters {
  const merged = mergeCounters(own.serial, items);
  return { ...own, acks: acknowledgeAll(items, own), lockedAt: null, unlockEpoch: merged.unlockEpoch + 1 };
}

export function sameRegionalCounters(a: RegionalCounters, b: RegionalCounters): boolean {
  return JSON.stringify({ ...a, version: 0 }) === JSON.stringify({ ...b, version: 0 });
}
