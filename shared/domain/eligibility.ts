import type { OfflineAuthentication, OfflinePolicy, Token } from './model';

/** Why a token may not have an offline emergency code, in the order the console lists them. */
export const INELIGIBILITY_REASONS = [
  'TOKEN_UNASSIGNED',
  'TOKEN_DISABLED',
  'DOMAIN_OFFLINE_DISABLED',
  'DOMAIN_EAT_DOWNLOAD_NOT_PERMITTED',
  'NO_OFFLINE_AGENT_AUTHENTICATION',
  'NO_OFFLINE_DATA_DOWNLOADED',
] as const;

export type IneligibilityReason = (typeof INELIGIBILITY_REASONS)[number];

export interface Eligibility {
  eligible: boolean;
  reasons: IneligibilityReason[];
}

export interface EligibilityInput {
  token: Pick<Token, 'enabled' | 'user'>;
  /** The offline policy of the user's security domain; null when the domain is unknown. */
  policy: OfflinePolicy | null;
  /** The user's records of online authentication through offline-capable agents. */
  offlineAuthentications: readonly Pick<OfflineAuthentication, 'download'>[];
  now: Date;
}

/** Whether a token may have an offline emergency code, with every reason it may not. */
export function evaluateEligibility(input: EligibilityInput): Eligibility {
  const { token, policy, offlineAuthentications, now } = input;
  const failing = new Set<IneligibilityReason>();
  if (token.user === null) failing.add('TOKEN_UNASSIGNED');
  if (!token.enabled) failing.add('TOKEN_DISABLED');
  if (!policy?.offlineAuthenticationEnabled) failing.add('DOMAIN_OFFLINE_DISABLED');
  if (!policy?.emergencyCodeDownloadPermitted) failing.add('DOMAIN_EAT_DOWNLOAD_NOT_PERMITTED');
  const records = token.user === null ? [] : offlineAuthentications;
  if (records.length === 0) failing.add('NO_OFFLINE_AGENT_AUTHENTICATION');
  const hasLiveDownload = records.some(
    (r) => r.download !== null && Date.parse(r.download.validUntil) > now.getTime(),
  );
  if (!hasLiveDownload) failing.add('NO_OFFLINE_DATA_DOWNLOADED');
  const reasons = INELIGIBILITY_REASONS.filter((r) => failing.has(r));
  return { eligible: reasons.length === 0, reasons };
}
