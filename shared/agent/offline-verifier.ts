import {
  matchOfflineTokencode,
  offlineEmergencySecretOf,
  verifyOfflineSecret,
  type OfflineData,
} from '../domain/offline-data';
import { readPasscode } from '../domain/passcode';
import { PRODUCTION_KDF_COST, type KdfCost } from '../domain/verifier';
import { offlineDataSchema, offlineDataSchemaOf } from './offline-data-schema';

/**
 * The agent side of offline authentication: checks a passcode against downloaded offline data, with no
 * network and no AWS. The agent keeps the data (protected as the token itself would be), its ledger (the
 * step of the last accepted tokencode, to refuse a replay, the single-use emergency codes it has
 * spent: `recordOfflineUse`, and the newest assignment epoch of each token it has had data for:
 * `recordOfflineData`), and its own throttling of failures.
 */
export type OfflineOutcome = 'accept' | 'reject';

export type OfflineRejection =
  | 'DATA_NOT_YET_VALID'
  | 'DATA_EXPIRED'
  /** The token was unassigned since this data was made: the agent has had data of a later assignment. */
  | 'DATA_SUPERSEDED'
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
  /** By serial, the newest assignment epoch of the data this agent has had: older data is refused. */
  assignmentEpochs?: Readonly<Record<string, number>>;
}

export interface OfflineCheckOptions extends OfflineLedger {
  /** When the passcode is typed; now by default. */
  at?: Date;
  /** The KDF cost the data's verifier must be within: the production one but in tests (verifier.ts). */
  kdf?: Readonly<KdfCost>;
}

export class OfflineDataError extends Error {
  constructor(readonly problems: string[]) {
    super(`The offline data is not valid: ${problems.join('; ')}`);
    this.name = 'OfflineDataError';
  }
}

/** Reads offline data from parsed JSON: the data itself, or a whole agent authenticate reply holding it. */
export function parseOfflineData(json: unknown, kdf: Readonly<KdfCost> = PRODUCTION_KDF_COST): OfflineData {
  const candidate =
    typeof json === 'object' && json !== null && 'offlineData' in json
      ? (json as { offlineData: unknown }).offlineData
      : json;
  const schema = kdf === PRODUCTION_KDF_COST ? offlineDataSchema : offlineDataSchemaOf(kdf);
  const result = schema.safeParse(candidate);
  if (!result.success) {
    throw new OfflineDataError(
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return result.data;
}

/**
 * The ledger once the agent has new data (a download): its token's assignment epoch, when newer than any
 * seen. Record every download before checking against it; the data of earlier assignments is refused.
 */
export function recordOfflineData(ledger: OfflineLedger, data: OfflineData): OfflineLedger {
  const seen = ledger.assignmentEpochs?.[data.serial];
  if (seen !== undefined && seen >= data.assignmentEpoch) return ledger;
  return { ...ledger, assignmentEpochs: { ...ledger.assignmentEpochs, [data.serial]: data.assignmentEpoch } };
}

/** The ledger after a check: an accepted tokencode's step, an accepted single-use code. */
export function recordOfflineUse(ledger: OfflineLedger, verification: OfflineVerification): OfflineLedger {
  if (verification.outcome !== 'accept') return ledger;
  return {
    ...ledger,
    lastAcceptedStep: verification.step ?? ledger.lastAcceptedStep ?? null,
    spentEmergencyCodes:
      verification.spent === undefined
        ? (ledger.spentEmergencyCodes ?? [])
        : [...(ledger.spentEmergencyCodes ?? []), verification.spent],
  };
}

/**
 * What the agent says it holds in its next online login (`heldOffline`): the emergency code of its data,
 * and whether it spent that code offline, so that the service spends it online too and issues the next.
 * Null when the data holds no emergency code.
 */
export function heldOfflineOf(
  data: OfflineData,
  ledger: OfflineLedger,
): { generation: number; issueId?: string; spentOffline?: true } | null {
  const eat = data.emergencyAccess;
  if (eat === null) return null;
  const spent = (ledger.spentEmergencyCodes ?? []).some(
    (c) => c.serial === data.serial && c.generation === eat.generation && c.issueId === eat.issueId,
  );
  return {
    generation: eat.generation,
    ...(eat.issueId === null ? {} : { issueId: eat.issueId }),
    ...(spent ? { spentOffline: true as const } : {}),
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
  if (data.assignmentEpoch < (options.assignmentEpochs?.[data.serial] ?? 0)) return reject('DATA_SUPERSEDED');

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
      const step = await matchOfflineTokencode(data.tokencodes, data, reading.pin, reading.tokencode, at);
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
    const secret = offlineEmergencySecretOf(reading.pin, reading.code, data.assignmentEpoch);
    if (await verifyOfflineSecret(secret, eat.verifier, options.kdf)) {
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
