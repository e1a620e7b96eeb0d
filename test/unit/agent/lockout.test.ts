import {
  countFailure,
  countSuccess,
  EMERGENCY_ACCESS_FAILURE_LIMIT,
  emptyCounters,
  isLocked,
  isSpentStep,
  TOKENCODE_FAILURE_LIMIT,
  unlock,
} from '../../../shared/domain/lockout';
import type { LockoutCounters } from '../../../shared/domain/model';

const NOW = new Date('2026-12-01T10:00:00.000Z');

function fail(times: number, failed: { tokencode: boolean; emergencyAccess: boolean }): LockoutCounters {
  let counters = emptyCounters('000100000001');
  for (let i = 0; i < times; i++) counters = countFailure(counters, failed, NOW);
  return counters;
}

describe('lockout counters', () => {
  it('are well under the NIST ceiling of 100 consecutive failures', () => {
    expect(TOKENCODE_FAILURE_LIMIT).toBe(10);
    expect(EMERGENCY_ACCESS_FAILURE_LIMIT).toBe(5);
  });

  it('lock at exactly the tokencode limit, counting the emergency code apart', () => {
    const tokencode = { tokencode: true, emergencyAccess: false };
    expect(isLocked(fail(TOKENCODE_FAILURE_LIMIT - 1, tokencode))).toBe(false);
    const locked = fail(TOKENCODE_FAILURE_LIMIT, tokencode);
    expect(locked).toMatchObject({
      tokencodeFailures: 10,
      emergencyAccessFailures: 0,
      lockedAt: NOW.toISOString(),
    });
  });

  it('lock at exactly the emergency code limit', () => {
    const code = { tokencode: false, emergencyAccess: true };
    expect(isLocked(fail(EMERGENCY_ACCESS_FAILURE_LIMIT - 1, code))).toBe(false);
    expect(fail(EMERGENCY_ACCESS_FAILURE_LIMIT, code)).toMatchObject({
      tokencodeFailures: 0,
      emergencyAccessFailures: 5,
    });
    expect(isLocked(fail(EMERGENCY_ACCESS_FAILURE_LIMIT, code))).toBe(true);
  });

  it('keep the time of the lock, start again on success, and spend accepted steps', () => {
    const locked = fail(TOKENCODE_FAILURE_LIMIT, { tokencode: true, emergencyAccess: false });
    const later = countFailure(
      locked,
      { tokencode: true, emergencyAccess: false },
      new Date(NOW.getTime() + 1000),
    );
    expect(later.lockedAt).toBe(NOW.toISOString());
    const partly = fail(3, { tokencode: true, emergencyAccess: true });
    const success = countSuccess(partly, 500, NOW);
    expect(success).toMatchObject({
      tokencodeFailures: 0,
      emergencyAccessFailures: 0,
      lastAcceptedStep: 500,
    });
    expect(isSpentStep(success, 500)).toBe(true);
    expect(isSpentStep(success, 499)).toBe(true);
    expect(isSpentStep(success, 501)).toBe(false);
    expect(countSuccess(success, null, NOW).lastAcceptedStep).toBe(500);
    expect(isSpentStep(emptyCounters('x'), 0)).toBe(false);
  });

  it('unlock clears both counters and the lock', () => {
    const unlocked = unlock(fail(TOKENCODE_FAILURE_LIMIT, { tokencode: true, emergencyAccess: true }));
    expect(unlocked).toMatchObject({ tokencodeFailures: 0, emergencyAccessFailures: 0, lockedAt: null });
  });
});
