import { assignmentEpochOf } from './assignment';
import { isResetPending, offlineEmergencyStateOf } from './emergency-access';
import type { EmergencyAccessSettings, IssuedEmergencyCode, OfflinePolicy } from './model';
import type { PolicyCaps } from './policy';

/** Why an online login to an offline-capable agent must issue a new offline emergency code. */
export type ReplacementReason = 'first' | 'reset' | 'reassigned' | 'expired' | 'spent';

/**
 * Null when the issued code is current and still serves. A code issued for an earlier assignment of the
 * token (`assignmentEpoch`, assignment.ts) never serves: unassigning asks for a reset, and this catches
 * the code another region issued while the unassignment replicated.
 */
export function replacementReasonOf(
  settings: EmergencyAccessSettings,
  issued: IssuedEmergencyCode | null,
  now: Date,
  assignmentEpoch = 0,
): ReplacementReason | null {
  if (issued === null) return 'first';
  if (isResetPending(settings, issued)) return 'reset';
  if (assignmentEpochOf(issued) !== assignmentEpoch) return 'reassigned';
  if (
    offlineEmergencyStateOf(issued, now) !== 'active' ||
    issued.sealedCode === null ||
    issued.verifier === null
  ) {
    return 'expired';
  }
  if (issued.usedAt !== null) return 'spent';
  return null;
}

/** Above both the issued generation and the one a reset was asked against, so the reset is no longer pending. */
export function nextGenerationOf(
  settings: EmergencyAccessSettings,
  issued: IssuedEmergencyCode | null,
): number {
  return Math.max(issued?.generation ?? 0, settings.resetRequestedAtGeneration ?? 0) + 1;
}

export function expiryOf(issuedAt: Date, policy: OfflinePolicy, caps: PolicyCaps): Date {
  const days = Math.min(policy.emergencyCodeLifetimeDays, caps.maxEmergencyCodeLifetimeDays);
  return new Date(issuedAt.getTime() + days * 86_400_000);
}

/** Whether the code is usable by a passcode check at `now` (online, before any online-use rule). */
export function isCodeUsable(issued: IssuedEmergencyCode | null, now: Date): issued is IssuedEmergencyCode {
  return (
    issued !== null &&
    offlineEmergencyStateOf(issued, now) === 'active' &&
    issued.usedAt === null &&
    issued.verifier !== null
  );
}
