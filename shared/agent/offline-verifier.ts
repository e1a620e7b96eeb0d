import { timingSafeEqual } from 'node:crypto';
import {
  OFFLINE_VERIFIER_BYTES,
  OfflineTokencodeHasher,
  offlineTokencodeKey,
  type OfflineData,
} from '../domain/offline-data';
import { emergencyPasscodeOf, readPasscode, type PasscodeReading } from '../domain/passcode';
import { VERIFIER_MIN_ITERATIONS, verifySecret } from '../domain/verifier';
import { offlineDataSchema } from './offline-data-schema';

/**
 * The agent side of offline authentication: checks a passcode against downloaded offline data, with no
 * network and no AWS. Stateless: the agent keeps the data (protected as the token itself would be), the
 * step of the last accepted tokencode (to refuse a replay), and its own throttling of failures.
 */
export type OfflineOutcome = 'accept' | 'reject';

export type OfflineRejection =
  | 'DATA_NOT_YET_VALID'
  | 'DATA_EXPIRED'
  | 'MALFORMED_PASSCODE'
  | 'EMERGENCY_CODE_EXPIRED'
  | 'REPLAYED'
  | 'NO_MATCH';

export interface OfflineVerification {
  outcome: OfflineOutcome;
  method: 'tokencode' | 'emergency-access' | null;
  /** The step of an accepted tokencode: keep it and pass it back as `lastAcceptedStep`. */
  step?: number;
  reason?: OfflineRejection;
}

export interface OfflineCheckOptions {
  /** When the passcode is typed; now by default. */
  at?: Date;
  /** The step of the last tokencode this agent accepted offline for the user: that and older are refused. */
  lastAcceptedStep?: number | null;
}

export class OfflineDataError extends Error {
  constructor(readonly problems: string[]) {
    super(`The offline data is not valid: ${problems.join('; ')}`);
    this.name = 'OfflineDataError';
  }
}

/** Reads offline data from parsed JSON: the data itself, or a whole agent authenticate reply holding it. */
export function parseOfflineData(json: unknown): OfflineData {
  const candidate =
    typeof json === 'object' && json !== null && 'offlineData' in json
      ? (json as { offlineData: unknown }).offlineData
      : json;
  const result = offlineDataSchema.safeParse(candidate);
  if (!result.success) {
    throw new OfflineDataError(
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return result.data;
}

const reject = (reason: OfflineRejection): OfflineVerification => ({
  outcome: 'reject',
  method: null,
  reason,
});

export async function verifyOfflinePasscode(
  data: OfflineData,
  passcode: string,
  options: OfflineCheckOptions = {},
): Promise<OfflineVerification> {
  const at = options.at ?? new Date();
  const { tokencodes } = data;
  if (at.getTime() < Date.parse(data.issuedAt) - tokencodes.stepSeconds * 1000)
    return reject('DATA_NOT_YET_VALID');
  if (at.getTime() >= Date.parse(data.validUntil)) return reject('DATA_EXPIRED');

  const eat = data.emergencyAccess;
  const eatUsable = eat !== null && at.getTime() < Date.parse(eat.expiresAt);
  const readings = readPasscode(passcode, {
    kind: data.kind,
    digits: tokencodes.digits,
    emergencyCodeLength: eat?.codeLength ?? null,
  });
  if (readings.length === 0) return reject('MALFORMED_PASSCODE');

  let refusal: OfflineRejection = 'NO_MATCH';
  for (const reading of readings) {
    if (reading.method === 'tokencode') {
      const step = await matchTokencode(data, reading, at);
      if (step === null) continue;
      const last = options.lastAcceptedStep;
      if (last !== undefined && last !== null && step <= last) {
        refusal = 'REPLAYED';
        continue;
      }
      return { outcome: 'accept', method: 'tokencode', step };
    }
    if (eat === null || !eatUsable) {
      if (refusal === 'NO_MATCH') refusal = 'EMERGENCY_CODE_EXPIRED';
      continue;
    }
    if (await verifySecret(emergencyPasscodeOf(reading.pin, reading.code), eat.verifier)) {
      return { outcome: 'accept', method: 'emergency-access' };
    }
  }
  return reject(refusal);
}

/** The step within the drift window whose verifier matches, or null. Every step of the window is compared. */
async function matchTokencode(
  data: OfflineData,
  reading: Extract<PasscodeReading, { method: 'tokencode' }>,
  at: Date,
): Promise<number | null> {
  const { tokencodes } = data;
  if (tokencodes.key.derivation === 'pbkdf2-sha256' && tokencodes.key.iterations < VERIFIER_MIN_ITERATIONS) {
    return null;
  }
  if ((tokencodes.key.derivation === 'pbkdf2-sha256') !== (reading.pin !== null)) return null;
  const key = await offlineTokencodeKey(tokencodes.key, reading.pin);
  const hasher = new OfflineTokencodeHasher(key, data.serial);
  const verifiers = Buffer.from(tokencodes.verifiers, 'base64');
  const current = Math.floor(at.getTime() / 1000 / tokencodes.stepSeconds);
  let matched: number | null = null;
  for (let offset = -tokencodes.driftSteps; offset <= tokencodes.driftSteps; offset++) {
    const step = current + offset;
    const index = step - tokencodes.firstStep;
    if (index < 0 || index >= tokencodes.count) continue;
    const stored = verifiers.subarray(index * OFFLINE_VERIFIER_BYTES, (index + 1) * OFFLINE_VERIFIER_BYTES);
    if (timingSafeEqual(hasher.verifierOf(step, reading.tokencode), stored) && matched === null)
      matched = step;
  }
  key.fill(0);
  return matched;
}
