/** The agent library: check a passcode against downloaded offline data, with no network. */
export {
  OfflineDataError,
  parseOfflineData,
  verifyOfflinePasscode,
  type OfflineCheckOptions,
  type OfflineOutcome,
  type OfflineRejection,
  type OfflineVerification,
} from './offline-verifier';
export type { OfflineData } from '../domain/offline-data';
