/** The agent library: check a passcode against downloaded offline data, with no network. */
export {
  heldOfflineOf,
  OfflineDataError,
  parseOfflineData,
  recordOfflineData,
  recordOfflineUse,
  verifyOfflinePasscode,
  type OfflineCheckOptions,
  type OfflineLedger,
  type OfflineOutcome,
  type OfflineRejection,
  type OfflineVerification,
  type SpentEmergencyCode,
} from './offline-verifier';
export type { OfflineData } from '../domain/offline-data';
