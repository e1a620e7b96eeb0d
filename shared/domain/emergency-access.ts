import type { EmergencyAccessSettings, IssuedEmergencyCode } from './model';

export type OfflineEmergencyState = 'none' | 'active' | 'expired';

/**
 * The state a reader sees. A code past `expiresAt` is expired whatever the item says, so a late
 * sweep never lets one through.
 */
export function offlineEmergencyStateOf(
  issued: Pick<IssuedEmergencyCode, 'state' | 'expiresAt'> | null,
  now: Date,
): OfflineEmergencyState {
  if (issued === null) return 'none';
  if (issued.state === 'expired' || Date.parse(issued.expiresAt) <= now.getTime()) return 'expired';
  return 'active';
}

/** A reset is pending until a code of a later generation than the one it was asked against is issued. */
export function isResetPending(
  settings: EmergencyAccessSettings,
  issued: IssuedEmergencyCode | null,
): boolean {
  if (settings.resetRequestedAtGeneration === null) return false;
  return (issued?.generation ?? 0) <= settings.resetRequestedAtGeneration;
}

export function emptySettings(serial: string): EmergencyAccessSettings {
  return {
    serial,
    onlineUseAllowed: false,
    resetRequestedAtGeneration: null,
    updatedAt: null,
    updatedBy: null,
  };
}
