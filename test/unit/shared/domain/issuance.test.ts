import { emptySettings } from '../../../../shared/domain/emergency-access';
import { replacementReasonOf } from '../../../../shared/domain/issuance';
import type { IssuedEmergencyCode } from '../../../../shared/domain/model';

const NOW = new Date('2026-12-01T10:00:00.000Z');

function issued(overrides: Partial<IssuedEmergencyCode> = {}): IssuedEmergencyCode {
  return {
    serial: '000100000001',
    generation: 4,
    sealedCode: { keyId: 'local', ciphertext: 'c2VhbGVk' },
    verifier: { algorithm: 'pbkdf2-sha256', iterations: 600_000, salt: 'c2FsdA==', hash: 'aGFzaA==' },
    issuedAt: '2026-11-30T10:00:00.000Z',
    expiresAt: '2026-12-10T10:00:00.000Z',
    state: 'active',
    usedAt: null,
    version: 1,
    ...overrides,
  };
}

describe('replacing the issued code', () => {
  const settings = emptySettings('000100000001');

  it('keeps a current code of the same assignment epoch (absent counts as 0)', () => {
    expect(replacementReasonOf(settings, issued(), NOW)).toBeNull();
    expect(replacementReasonOf(settings, issued(), NOW, 0)).toBeNull();
    expect(replacementReasonOf(settings, issued({ assignmentEpoch: 2 }), NOW, 2)).toBeNull();
  });

  it('replaces a code issued for another assignment, though no reset is pending', () => {
    // Another region issued it while this region's unassignment replicated: no reset covers it.
    expect(replacementReasonOf(settings, issued(), NOW, 1)).toBe('reassigned');
    expect(replacementReasonOf(settings, issued({ assignmentEpoch: 1 }), NOW, 2)).toBe('reassigned');
  });

  it('still names a pending reset first', () => {
    const reset = { ...settings, resetRequestedAtGeneration: 4 };
    expect(replacementReasonOf(reset, issued(), NOW, 1)).toBe('reset');
  });
});
