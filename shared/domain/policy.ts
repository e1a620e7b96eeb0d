import { emergencyCodeFormatProblems } from './emergency-code';
import type { OfflinePolicy } from './model';

export const MIN_OFFLINE_DAYS = 1;
export const MAX_OFFLINE_DAYS = 365;

/** Deploy-time caps on what a domain's policy may ask for (context values in cdk.json). */
export interface PolicyCaps {
  maxEmergencyCodeLifetimeDays: number;
}

export const DEFAULT_POLICY_CAPS: PolicyCaps = { maxEmergencyCodeLifetimeDays: 90 };

export const DEFAULT_OFFLINE_POLICY: OfflinePolicy = {
  offlineAuthenticationEnabled: true,
  emergencyCodeDownloadPermitted: true,
  offlineDays: 14,
  emergencyCodeLifetimeDays: 14,
  // 12 characters of 32 (upper case and digits, look-alikes left out): 60 bits.
  emergencyCodeFormat: { length: 12, characterClasses: ['uppercase', 'digits'] },
  // NIST SP 800-63B 5.1.2.1: a look-up secret is used once.
  singleUse: true,
  offlineTokencodes: true,
};

/** Every reason the policy is unacceptable under the caps; empty when it is fine. */
export function offlinePolicyProblems(
  policy: OfflinePolicy,
  caps: PolicyCaps = DEFAULT_POLICY_CAPS,
): string[] {
  const problems: string[] = [];
  const { offlineDays, emergencyCodeLifetimeDays } = policy;
  if (!Number.isInteger(offlineDays) || offlineDays < MIN_OFFLINE_DAYS || offlineDays > MAX_OFFLINE_DAYS) {
    problems.push(`offlineDays must be an integer from ${MIN_OFFLINE_DAYS} to ${MAX_OFFLINE_DAYS}`);
  }
  const cap = caps.maxEmergencyCodeLifetimeDays;
  if (
    !Number.isInteger(emergencyCodeLifetimeDays) ||
    emergencyCodeLifetimeDays < 1 ||
    emergencyCodeLifetimeDays > cap
  ) {
    problems.push(`emergencyCodeLifetimeDays must be an integer from 1 to ${cap}`);
  }
  problems.push(
    ...emergencyCodeFormatProblems(policy.emergencyCodeFormat).map((p) => `emergencyCodeFormat: ${p}`),
  );
  return problems;
}
