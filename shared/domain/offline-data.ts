import { createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { SecretVerifier, TokenKind } from './model';
import { emergencyPasscodeOf, requiresPin } from './passcode';
import { hotp } from './totp';
import { createVerifier, VERIFIER_ITERATIONS, VERIFIER_KEY_BYTES } from './verifier';

const pbkdf2Async = promisify(pbkdf2);

/**
 * Offline authentication data: what an agent that supports offline authentication downloads on an online
 * login, so that it can check the user's passcode with no network (README "Offline data").
 *
 * Tokencodes: one verifier per 60-second step until `validUntil`. 14 days are 20,160 steps, so a
 * verifier cannot cost a full KDF run each (20,160 x 150 ms). Instead:
 *   key      = PBKDF2-HMAC-SHA256(PIN, salt, 600,000 iterations, 32 bytes)   for SecurID tokens
 *            = salt                                                           for Authenticate tokens
 *   verifier = first 4 bytes of HMAC-SHA256(key, "eat-offline-tokencode/1" 0x00 serial 0x00
 *                                               step as 8 bytes big-endian, tokencode)
 * with a random 128-bit salt per download. Each verifier is salted, one-way and bound to its serial and
 * step; the PIN's cost is paid once per check, not per step. What a stolen file yields: for a SecurID
 * token, a PIN guess costs one full KDF run plus at most 10^digits HMACs per step, so the PIN's strength
 * still stands between the file and its tokencodes; for an Authenticate token (no PIN) each step's
 * tokencode falls to 10^digits HMACs: the file must be kept as carefully as the token itself, and it
 * runs out at `validUntil`. Four bytes keep a wrong passcode's chance of matching (3 steps x 2^-32)
 * far below that of guessing the tokencode itself (3 x 10^-6).
 *
 * The emergency code: one full-cost verifier (verifier.ts) over the passcode as typed, the PIN then the
 * code for SecurID tokens, so a stolen file gives neither without a search of PIN and code together.
 */
export const OFFLINE_DATA_FORMAT = 'eat-offline-data/1';
export const OFFLINE_TOKENCODE_ALGORITHM = 'hmac-sha256-32';
export const OFFLINE_VERIFIER_BYTES = 4;
export const OFFLINE_SALT_BYTES = 16;
export const OFFLINE_STEP_SECONDS = 60;
export const OFFLINE_DRIFT_STEPS = 1;
const LABEL = 'eat-offline-tokencode/1';

export type OfflineKeyDerivation =
  { derivation: 'pbkdf2-sha256'; iterations: number; salt: string } | { derivation: 'salt'; salt: string };

export interface OfflineTokencodes {
  algorithm: typeof OFFLINE_TOKENCODE_ALGORITHM;
  digits: 6 | 8;
  stepSeconds: number;
  /** Steps either side of the current one that are accepted for clock drift. */
  driftSteps: number;
  /** The TOTP step (Unix seconds / stepSeconds) of the first verifier. */
  firstStep: number;
  count: number;
  key: OfflineKeyDerivation;
  /** Base64 of `count` verifiers of OFFLINE_VERIFIER_BYTES each, step `firstStep + i` at offset 4i. */
  verifiers: string;
}

export interface OfflineEmergencyAccess {
  generation: number;
  /** Which issue of that generation this is (see IssuedEmergencyCode.issueId). */
  issueId: string | null;
  expiresAt: string;
  codeLength: number;
  singleUse: boolean;
  /** Over the PIN then the code for SecurID tokens, the code alone for Authenticate tokens. */
  verifier: SecretVerifier;
}

export interface OfflineData {
  format: typeof OFFLINE_DATA_FORMAT;
  userId: string;
  serial: string;
  kind: TokenKind;
  requiresPin: boolean;
  agentId: string;
  issuedAt: string;
  validUntil: string;
  days: number;
  tokencodes: OfflineTokencodes;
  emergencyAccess: OfflineEmergencyAccess | null;
}

/** The HMAC key of a file's tokencode verifiers; `pin` is null for tokens without one. */
export async function offlineTokencodeKey(key: OfflineKeyDerivation, pin: string | null): Promise<Buffer> {
  const salt = Buffer.from(key.salt, 'base64');
  if (key.derivation === 'salt') return salt;
  return pbkdf2Async((pin ?? '').normalize('NFC'), salt, key.iterations, VERIFIER_KEY_BYTES, 'sha256');
}

/** Computes verifiers for a run of steps with one key; `prefix` binds them to the serial. */
export class OfflineTokencodeHasher {
  private readonly prefix: Buffer;
  private readonly step = Buffer.alloc(8);

  constructor(
    private readonly key: Buffer,
    serial: string,
  ) {
    this.prefix = Buffer.from(`${LABEL}\0${serial}\0`, 'utf8');
  }

  verifierOf(step: number, tokencode: string): Buffer {
    this.step.writeBigUInt64BE(BigInt(step));
    return createHmac('sha256', this.key)
      .update(this.prefix)
      .update(this.step)
      .update(tokencode, 'ascii')
      .digest()
      .subarray(0, OFFLINE_VERIFIER_BYTES);
  }
}

export interface OfflineTokencodesInput {
  seed: Uint8Array;
  serial: string;
  digits: 6 | 8;
  /** The PIN the user just authenticated with; null for tokens without one. */
  pin: string | null;
  from: Date;
  days: number;
}

export async function buildOfflineTokencodes(input: OfflineTokencodesInput): Promise<OfflineTokencodes> {
  const salt = randomBytes(OFFLINE_SALT_BYTES).toString('base64');
  const key: OfflineKeyDerivation =
    input.pin === null
      ? { derivation: 'salt', salt }
      : { derivation: 'pbkdf2-sha256', iterations: VERIFIER_ITERATIONS, salt };
  const secretKey = await offlineTokencodeKey(key, input.pin);
  const firstStep = Math.floor(input.from.getTime() / 1000 / OFFLINE_STEP_SECONDS);
  const count = (input.days * 86_400) / OFFLINE_STEP_SECONDS;
  const hasher = new OfflineTokencodeHasher(secretKey, input.serial);
  const verifiers = Buffer.alloc(count * OFFLINE_VERIFIER_BYTES);
  for (let i = 0; i < count; i++) {
    const step = firstStep + i;
    hasher
      .verifierOf(step, hotp(input.seed, BigInt(step), input.digits))
      .copy(verifiers, i * OFFLINE_VERIFIER_BYTES);
  }
  secretKey.fill(0);
  return {
    algorithm: OFFLINE_TOKENCODE_ALGORITHM,
    digits: input.digits,
    stepSeconds: OFFLINE_STEP_SECONDS,
    driftSteps: OFFLINE_DRIFT_STEPS,
    firstStep,
    count,
    key,
    verifiers: verifiers.toString('base64'),
  };
}

/** The end of a file's last step: the file is no use from then on. */
export function validUntilOf(
  tokencodes: Pick<OfflineTokencodes, 'firstStep' | 'count' | 'stepSeconds'>,
): Date {
  return new Date((tokencodes.firstStep + tokencodes.count) * tokencodes.stepSeconds * 1000);
}

export interface OfflineDataInput extends OfflineTokencodesInput {
  userId: string;
  kind: TokenKind;
  agentId: string;
  /** The current offline emergency code in clear, when the user may have one offline. */
  emergencyCode: {
    code: string;
    generation: number;
    issueId: string | null;
    expiresAt: string;
    singleUse: boolean;
  } | null;
}

/** The whole file for one (user, agent) download. Holds verifiers only: no code, PIN or seed. */
export async function buildOfflineData(input: OfflineDataInput): Promise<OfflineData> {
  if (requiresPin(input.kind) !== (input.pin !== null)) {
    throw new RangeError('a PIN is needed exactly for the token kinds that require one');
  }
  const eat = input.emergencyCode;
  // The two KDF runs go to libuv's pool, in parallel with each other and with the HMAC loop.
  const [verifier, tokencodes] = await Promise.all([
    eat === null ? null : createVerifier(emergencyPasscodeOf(input.pin, eat.code)),
    buildOfflineTokencodes(input),
  ]);
  return {
    format: OFFLINE_DATA_FORMAT,
    userId: input.userId,
    serial: input.serial,
    kind: input.kind,
    requiresPin: requiresPin(input.kind),
    agentId: input.agentId,
    issuedAt: input.from.toISOString(),
    validUntil: validUntilOf(tokencodes).toISOString(),
    days: input.days,
    tokencodes,
    emergencyAccess:
      eat === null || verifier === null
        ? null
        : {
            generation: eat.generation,
            issueId: eat.issueId,
            expiresAt: eat.expiresAt,
            codeLength: eat.code.length,
            singleUse: eat.singleUse,
            verifier,
          },
  };
}
