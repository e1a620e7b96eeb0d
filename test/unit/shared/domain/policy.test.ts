import {
  isResetPending,
  offlineEmergencyStateOf,
  emptySettings,
} from '../../../../shared/domain/emergency-access';
import type { IssuedEmergencyCode } from '../../../../shared/domain/model';
import { DEFAULT_OFFLINE_POLICY, offlinePolicyProblems } from '../../../../shared/domain/policy';

describe('offline policy', () => {
  it('accepts the default policy', () => {
    expect(offlinePolicyProblems(DEFAULT_OFFLINE_POLICY)).toEqual([]);
  });

  it('refuses days outside 1-365, a lifetime over the cap and a weak code format', () => {
    expect(offlinePolicyProblems({ ...DEFAULT_OFFLINE_POLICY, offlineDays: 0 })).toHaveLength(1);
    expect(offlinePolicyProblems({ ...DEFAULT_OFFLINE_POLICY, offlineDays: 366 })).toHaveLength(1);
    expect(
      offlinePolicyProblems(
        { ...DEFAULT_OFFLINE_POLICY, emergencyCodeLifetimeDays: 31 },
        { maxEmergencyCodeLifetimeDays: 30 },
      ),
    ).toHaveLength(1);
    const weak = {
      ...DEFAULT_OFFLINE_POLICY,
      emergencyCodeFormat: { length: 8, characterClasses: ['digits' as const] },
    };
    expect(offlinePolicyProblems(weak)[0]).toMatch(/^emergencyCodeFormat: .*40/);
  });
});

describe('emergency access state as a reader sees it', () => {
  const issued: IssuedEmergencyCode = {
    serial: '000100000001',
    generation: 2,
    sealedCode: null,
    verifier: null,
    issuedAt: '2026-12-01T00:00:00.000Z',
    expiresAt: '2026-12-15T00:00:00.000Z',
    state: 'active',
    usedAt: null,
    version: 1,
  };

  it('is none before a first issue, active until expiresAt, expired at and after it even if the sweep is late', () => {
    expect(offlineEmergencyStateOf(null, new Date('2026-12-02T00:00:00Z'))).toBe('none');
    expect(offlineEmergencyStateOf(issued, new Date('2026-12-14T23:59:59Z'))).toBe('active');
    expect(offlineEmergencyStateOf(issued, new Date('2026-12-15T00:00:00Z'))).toBe('expired');
    expect(offlineEmergencyStateOf({ ...issued, state: 'expired' }, new Date('2026-12-02T00:00:00Z'))).toBe(
      'expired',
    );
  });

  it('keeps a reset pending until a later generation is issued', () => {
    const settings = { ...emptySettings(issued.serial), resetRequestedAtGeneration: 2 };
    expect(isResetPending(emptySettings(issued.serial), issued)).toBe(false);
    expect(isResetPending(settings, issued)).toBe(true);
    expect(isResetPending(settings, { ...issued, generation: 3 })).toBe(false);
    expect(isResetPending({ ...settings, resetRequestedAtGeneration: 0 }, null)).toBe(true);
  });
});
