import {
  INELIGIBILITY_REASONS,
  evaluateEligibility,
  type EligibilityInput,
} from '../../../../shared/domain/eligibility';
import { DEFAULT_OFFLINE_POLICY } from '../../../../shared/domain/policy';

const now = new Date('2026-12-01T12:00:00.000Z');

const eligible: EligibilityInput = {
  token: { enabled: true, user: { userId: 'alice', firstName: 'Alice', lastName: 'Archer' } },
  policy: DEFAULT_OFFLINE_POLICY,
  offlineAuthentications: [
    {
      download: {
        downloadedAt: '2026-11-30T12:00:00.000Z',
        days: 14,
        validUntil: '2026-12-14T12:00:00.000Z',
      },
    },
  ],
  now,
};

describe('eligibility for an offline emergency access tokencode', () => {
  it('is eligible when every precondition holds', () => {
    expect(evaluateEligibility(eligible)).toEqual({ eligible: true, reasons: [] });
  });

  it.each<[string, EligibilityInput]>([
    ['TOKEN_UNASSIGNED', { ...eligible, token: { ...eligible.token, user: null } }],
    ['TOKEN_DISABLED', { ...eligible, token: { ...eligible.token, enabled: false } }],
    [
      'DOMAIN_OFFLINE_DISABLED',
      { ...eligible, policy: { ...DEFAULT_OFFLINE_POLICY, offlineAuthenticationEnabled: false } },
    ],
    [
      'DOMAIN_EAT_DOWNLOAD_NOT_PERMITTED',
      { ...eligible, policy: { ...DEFAULT_OFFLINE_POLICY, emergencyCodeDownloadPermitted: false } },
    ],
    ['NO_OFFLINE_DATA_DOWNLOADED', { ...eligible, offlineAuthentications: [{ download: null }] }],
  ])('names %s alone when only it fails', (reason, input) => {
    const result = evaluateEligibility(input);
    expect(result.eligible).toBe(false);
    expect(result.reasons).toContain(reason);
    if (reason !== 'TOKEN_UNASSIGNED') expect(result.reasons).toEqual([reason]);
  });

  it('names both agent reasons when the user never authenticated through an offline-capable agent', () => {
    expect(evaluateEligibility({ ...eligible, offlineAuthentications: [] }).reasons).toEqual([
      'NO_OFFLINE_AGENT_AUTHENTICATION',
      'NO_OFFLINE_DATA_DOWNLOADED',
    ]);
  });

  it('counts offline data that has run out as not downloaded', () => {
    const ranOut = [
      {
        download: {
          downloadedAt: '2026-11-01T00:00:00.000Z',
          days: 14,
          validUntil: '2026-11-15T00:00:00.000Z',
        },
      },
    ];
    expect(evaluateEligibility({ ...eligible, offlineAuthentications: ranOut }).reasons).toEqual([
      'NO_OFFLINE_DATA_DOWNLOADED',
    ]);
  });

  it('returns every failing reason at once, in the documented order', () => {
    const result = evaluateEligibility({
      token: { enabled: false, user: null },
      policy: null,
      offlineAuthentications: [],
      now,
    });
    expect(result).toEqual({ eligible: false, reasons: [...INELIGIBILITY_REASONS] });
  });
});
