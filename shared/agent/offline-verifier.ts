import { matchOfflineTokencode, type OfflineData } from '../domain/offline-data';
import { emergencyPasscodeOf, readPasscode } from '../domain/passcode';
import { verifySecret } from '../domain/verifier';
import { offlineDataSchema } from './offline-data-schema';

/**
 * The agent side of offline authentication: checks a passcode against downloaded offline data, with no
 * network and no AWS. The agent keeps the data (protected as the token itself would be), its ledger (the
 * step of the last accepted tokencode, to refuse a replay, and the single-use emergency codes it has
 * spent: `recordOfflineUse`), and its own throttling of failures.
 */
export type OfflineOutcome = 'accept' | 'reject';

export type OfflineRejection =
  | 'DATA_NOT_YET_VALID'
  | 'DATA_EXPIRED'
  | 'MALFORMED_PASSCODE'
  | 'EMERGENCY_CODE_EXPIRED'
  | 'EMERGENCY_CODE_SPENT'
  /** The file holds no tokencode data for this token (`tokencodesWithheld` says why). */
  | 'TOKENCODES_NOT_OFFLINE'
  | 'REPLAYED'
  | 'NO_MATCH';

/** A single-use emergency code this agent accepted offline. */
export interface SpentEmergencyCode {
  serial: string;
  generation: number;
  issueId: string | null;
}

export interface OfflineVerification {
  outcome: OfflineOutcome;
  method: 'tokencode' | 'emergency-access' | null;
  /** The step of an accepted tokencode: keep it and pass it back as `lastAcceptedStep`. */
  step?: number;
  /** An accepted single-use emergency code: keep it and pass it back in `spentEmergencyCodes`. */
  spent?: SpentEmergencyCode;
  reason?: OfflineRejection;
}

/** What an agent remembers between offline checks of one user's data. */
export interface OfflineLedger {
  /** The step of the last tokencode this agent accepted offline for the user: that and older are refused. */
  lastAcceptedStep?: number | null;
  /** Single-use emergency codes already accepted offline: refused from then on. */
  spentEmergencyCodes?: readonly SpentEmergencyCode[];
}

export interface OfflineCheckOptions extends OfflineLedger {
  /** When the passcode is typed; now by default. */
  at?: Date;
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

/** The ledger after a check: an accepted tokencode's step, an accepted single-use code. */
export function recordOfflineUse(ledger: OfflineLedger, verification: OfflineVerification): OfflineLedger {
  if (verification.outcome !== 'accept') return ledger;
  return {
    lastAcceptedStep: verification.step ?? ledger.lastAcceptedStep ?? null,
    spentEmergencyCodes:
      verification.spent === undefined
        ? (ledger.spentEmergencyCodes ?? [])
        : [...(ledger.spentEmergencyCodes ?? []), verification.spent],
  };
}

const reject = (reason: OfflineRejection): OfflineVerification => ({
  outcome: 'reject',
  method: null,
  reason,
});

/** How long before `issuedAt` the data is already good (a clock a step behind). */
const EARLY_MS = 60_000;

export async function verifyOfflinePasscode(
  data: OfflineData,
  passcode: string,
  options: OfflineCheckOptions = {},
): Promise<OfflineVerification> {
  const at = options.at ?? new Date();
  if (at.getTime() < Date.parse(data.issuedAt) - EARLY_MS) return reject('DATA_NOT_YET_VALID');
  if (at.getTime() >= Date.parse(data.validUntil)) return reject('DATA_EXPIRED');

  const eat = data.emergencyAccess;
  const spent =
    eat !== null &&
    eat.singleUse &&
    (options.spentEmergencyCodes ?? []).some(
      (s) => s.serial === data.serial && s.generation === eat.generation && s.issueId === eat.issueId,
    );
  const readings = readPasscode(passcode, {
    kind: data.kind,
    digits: data.digits,
    emergencyCodeLength: eat?.codeLength ?? null,
  });
  if (readings.length === 0) return reject('MALFORMED_PASSCODE');

  let refusal: OfflineRejection = 'NO_MATCH';
  const refuse = (reason: OfflineRejection) => {
    if (refusal === 'NO_MATCH') refusal = reason;
  };
  for (const reading of readings) {
    if (reading.method === 'tokencode') {
      if (data.tokencodes === null || reading.pin === null) {
        refuse('TOKENCODES_NOT_OFFLINE');
        continue;
      }
      const step = await matchOfflineTokencode(
        data.tokencodes,
        data.serial,
        reading.pin,
        reading.tokencode,
        at,
      );
      if (step === null) continue;
      const last = options.lastAcceptedStep;
      if (last !== undefined && last !== null && step <= last) {
        refusal = 'REPLAYED';
        continue;
      }
      return { outcome: 'accept', method: 'tokencode', step };
    }
    if (eat === null || at.getTime() >= Date.parse(eat.expiresAt)) {
      refuse('EMERGENCY_CODE_EXPIRED');
      continue;
    }
    if (spent) {
      refuse('EMERGENCY_CODE_SPENT');
      continue;
    }
    if (await verifySecret(emergencyPasscodeOf(reading.pin, reading.code), eat.verifier)) {
      return {
        outcome: 'accept',
        method: 'emergency-access',
        ...(eat.singleUse
          ? { spent: { serial: data.serial, generation: eat.generation, issueId: eat.issueId } }
          : {}),
      };
    }
  }
  return reject(refusal);
}
