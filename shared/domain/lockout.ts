import type { LockoutCounters } from './model';

/**
 * Throttling of online authentication, per token (README "Lockout"). NIST SP 800-63B 5.2.2 allows at most
 * 100 consecutive failures; these are far lower. A tokencode is 6 or 8 digits (with a PIN for SecurID),
 * so 10 guesses at a 3-step window leave an attacker about 3 in 100,000 for a 6-digit token, while a
 * user who mistypes a few times is not locked out. The emergency code has at least 40 bits, but it is
 * long-lived (days, not a minute) and typed from a help-desk call rather than read off a device, so a
 * legitimate user needs fewer tries and a run of failures is a stronger signal: 5.
 * A success resets both counters ("consecutive"). Reaching either limit locks the token for both methods
 * until an administrator unlocks it.
 */
export const TOKENCODE_FAILURE_LIMIT = 10;
export const EMERGENCY_ACCESS_FAILURE_LIMIT = 5;

export function emptyCounters(serial: string): LockoutCounters {
  return {
    serial,
    tokencodeFailures: 0,
    emergencyAccessFailures: 0,
    lockedAt: null,
    lastAcceptedStep: null,
    lastAuthenticatedAt: null,
    version: 0,
  };
}

export const isLocked = (counters: LockoutCounters): boolean => counters.lockedAt !== null;

/** Which methods a failed attempt tried (a passcode that fits neither counts as a tokencode failure). */
export interface FailedAttempt {
  tokencode: boolean;
  emergencyAccess: boolean;
}

export function countFailure(counters: LockoutCounters, failed: FailedAttempt, now: Date): LockoutCounters {
  const tokencodeFailures = counters.tokencodeFailures + (failed.tokencode ? 1 : 0);
  const emergencyAccessFailures = counters.emergencyAccessFailures + (failed.emergencyAccess ? 1 : 0);
  const reached =
    tokencodeFailures >= TOKENCODE_FAILURE_LIMIT || emergencyAccessFailures >= EMERGENCY_ACCESS_FAILURE_LIMIT;
  return {
    ...counters,
    tokencodeFailures,
    emergencyAccessFailures,
    lockedAt: counters.lockedAt ?? (reached ? now.toISOString() : null),
  };
}

/** After an accepted passcode: the counters start again, and an accepted tokencode's step is spent. */
export function countSuccess(
  counters: LockoutCounters,
  acceptedStep: number | null,
  now: Date,
): LockoutCounters {
  return {
    ...counters,
    tokencodeFailures: 0,
    emergencyAccessFailures: 0,
    lastAcceptedStep: acceptedStep ?? counters.lastAcceptedStep ?? null,
    lastAuthenticatedAt: now.toISOString(),
  };
}

/** Whether a tokencode of this step was already accepted (or an older one was, after it). */
export function isSpentStep(counters: LockoutCounters, step: number): boolean {
  const last = counters.lastAcceptedStep;
  return last !== undefined && last !== null && step <= last;
}

export function unlock(counters: LockoutCounters): LockoutCounters {
  return { ...counters, tokencodeFailures: 0, emergencyAccessFailures: 0, lockedAt: null };
}

export function sameCounters(a: LockoutCounters, b: LockoutCounters): boolean {
  return (
    a.tokencodeFailures === b.tokencodeFailures &&
    a.emergencyAccessFailures === b.emergencyAccessFailures &&
    a.lockedAt === b.lockedAt &&
    (a.lastAcceptedStep ?? null) === (b.lastAcceptedStep ?? null) &&
    (a.lastAuthenticatedAt ?? null) === (b.lastAuthenticatedAt ?? null)
  );
}
