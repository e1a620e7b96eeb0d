import { createCipheriv, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { hotpSeries } from './hotp-series';
import type { SecretVerifier, TokenKind } from './model';
import { emergencyPasscodeOf, requiresPin } from './passcode';
import { ACCEPTANCE_WINDOW, acceptableSteps, type AcceptanceWindow } from './totp';
import {
  createScryptVerifier,
  SCRYPT_DEFAULTS,
  scryptKey,
  verifyScryptSecret,
  type ScryptParameters,
  type ScryptVerifier,
} from './memory-hard-kdf';
import { PRODUCTION_KDF_COST, verifySecret, VERIFIER_KEY_BYTES, type KdfCost } from './verifier';

const pbkdf2Async = promisify(pbkdf2);

/**
 * Offline authentication data: what an agent that supports offline authentication downloads on an online
 * login, so that it can check the user's passcode with no network (docs/api.md "Offline data", SECURITY.md).
 *
 * Tokencodes (SecurID tokens only): one residue per 60-second step until `validUntil`:
 *   key      = scrypt(PIN, salt, N = 2^13, r = 8, p = 1, 32 bytes) (memory-hard-kdf.ts), a fresh 128-bit
 *              salt per file; PBKDF2-HMAC-SHA256 at 600,000 iterations in format 2 files, still read
 *   pads     = AES-256-CTR keystream under HMAC-SHA256(key, "eat-offline-residue/1" 0x00 serial
 *              [0x00 assignmentEpoch, when above 0]), 6 bytes a step, each read as a 48-bit number
 *              modulo M = 10,000
 *   residue  = (tokencode + pad) mod M, 2 bytes a step
 * Each step's tokencode modulo M is one-time-padded by a keystream of the PIN. Any PIN guess decrypts
 * every step to some residue, each of the M equally likely whatever the guess, so the file is exactly as
 * likely under every PIN: it cannot single the PIN out, at any cost. Under the right PIN it narrows a
 * step's tokencode to the 10^digits / M (100 for 6 digits) that share its last four digits, never to one.
 * A wrong passcode is accepted offline with a chance of 1/M per acceptable step (at most two).
 *
 * Tokens without a PIN get no tokencode data (`tokencodesWithheld`): anything an agent could check them
 * with would give their tokencodes, which are good online, to whoever holds the file.
 *
 * The emergency code: one scrypt verifier (memory-hard-kdf.ts; PBKDF2 at 600,000 iterations in format 2)
 * over the passcode as typed, the PIN then the code for SecurID tokens, the code alone (60 bits or more)
 * for the others; above assignment epoch 0, prefixed by the epoch (`offlineEmergencySecretOf`).
 *
 * Format 3 changed only the KDF (scrypt for PBKDF2: the same GPU cost per guess for a quarter of the
 * CPU); agents still read and check format 2 files, each by the KDF its parameters name.
 *
 * `assignmentEpoch` (assignment.ts) says which assignment of the token the file was made for. Both the
 * pads and the emergency verifier are bound to it, so a file whose epoch is rewritten (to pass an agent
 * that has seen a newer one) matches nothing; data from before epochs reads as epoch 0, derived as before.
 */
export const OFFLINE_DATA_FORMAT = 'eat-offline-data/3';
/** The formats an agent reads: this one, and format 2 (PBKDF2) until those files run out. */
export const OFFLINE_DATA_FORMATS = ['eat-offline-data/2', OFFLINE_DATA_FORMAT] as const;
export const OFFLINE_TOKENCODE_ALGORITHM = 'pin-padded-residue/1';
export const OFFLINE_RESIDUE_MODULUS = 10_000;
export const OFFLINE_RESIDUE_BYTES = 2;
export const OFFLINE_SALT_BYTES = 16;
export const OFFLINE_STEP_SECONDS = 60;
const PAD_BYTES = 6;
const LABEL = 'eat-offline-residue/1';

/**
 * Why a file holds no tokencode data: the token has no PIN to key it, or its domain's policy says the
 * file carries the emergency code alone (`offlineTokencodes: false`).
 */
export type TokencodesWithheld = 'TOKEN_HAS_NO_PIN' | 'DOMAIN_POLICY';

export type OfflineKeyDerivation =
  | { derivation: 'pbkdf2-sha256'; iterations: number; salt: string }
  | ({ derivation: 'scrypt'; salt: string } & ScryptParameters);

/** The emergency code's verifier in a file: scrypt, or PBKDF2 in format 2 files. */
export type OfflineVerifier = ScryptVerifier | SecretVerifier;

/** Checks a file's emergency verifier by the KDF it names. */
export function verifyOfflineSecret(
  secret: string,
  verifier: OfflineVerifier,
  cost: Readonly<KdfCost> = PRODUCTION_KDF_COST,
): Promise<boolean> {
  return verifier.algorithm === 'scrypt'
    ? verifyScryptSecret(secret, verifier)
    : verifySecret(secret, verifier, cost);
}

export interface OfflineTokencodes {
  algorithm: typeof OFFLINE_TOKENCODE_ALGORITHM;
  digits: 6 | 8;
  stepSeconds: typeof OFFLINE_STEP_SECONDS;
  /** When a step's tokencode is accepted around its step (totp.ts). */
  acceptance: AcceptanceWindow;
  /** The TOTP step (Unix seconds / stepSeconds) of the first residue. */
  firstStep: number;
  count: number;
  modulus: typeof OFFLINE_RESIDUE_MODULUS;
  key: OfflineKeyDerivation;
  /** Base64 of `count` big-endian 2-byte residues, step `firstStep + i` at offset 2i. */
  residues: string;
}

export interface OfflineEmergencyAccess {
  generation: number;
  /** Which issue of that generation this is (see IssuedEmergencyCode.issueId). */
  issueId: string | null;
  expiresAt: string;
  codeLength: number;
  singleUse: boolean;
  /** Over the PIN then the code for SecurID tokens, the code alone for Authenticate tokens. */
  verifier: OfflineVerifier;
}

export interface OfflineData {
  format: (typeof OFFLINE_DATA_FORMATS)[number];
  userId: string;
  serial: string;
  kind: TokenKind;
  requiresPin: boolean;
  /** The token's tokencode length, which splits a passcode. */
  digits: 6 | 8;
  agentId: string;
  /** The token's assignment epoch the data was made for; absent (0) in data from before epochs. */
  assignmentEpoch: number;
  issuedAt: string;
  validUntil: string;
  days: number;
  /** Null when withheld, with the reason in `tokencodesWithheld`. */
  tokencodes: OfflineTokencodes | null;
  tokencodesWithheld: TokencodesWithheld | null;
  emergencyAccess: OfflineEmergencyAccess | null;
}

/** What a file's pads and emergency verifier are bound to besides the PIN. */
export interface OfflineBinding {
  serial: string;
  assignmentEpoch: number;
}

const padLabelOf = ({ serial, assignmentEpoch }: OfflineBinding) =>
  assignmentEpoch === 0 ? `${LABEL}\0${serial}` : `${LABEL}\0${serial}\0${assignmentEpoch}`;

/** The secret the file's emergency verifier is over: the passcode as typed, bound to the epoch above 0. */
export function offlineEmergencySecretOf(pin: string | null, code: string, assignmentEpoch: number): string {
  const passcode = emergencyPasscodeOf(pin, code);
  return assignmentEpoch === 0 ? passcode : `eat-offline-eat/${assignmentEpoch}\0${passcode}`;
}

/** The keystream key of a file's pads for one PIN guess: one KDF run. */
export async function offlinePadKey(
  key: OfflineKeyDerivation,
  pin: string,
  binding: OfflineBinding,
): Promise<Buffer> {
  const salt = Buffer.from(key.salt, 'base64');
  const derived =
    key.derivation === 'scrypt'
      ? await scryptKey(pin, salt, key)
      : await pbkdf2Async(pin.normalize('NFC'), salt, key.iterations, VERIFIER_KEY_BYTES, 'sha256');
  try {
    return createHmac('sha256', derived).update(padLabelOf(binding), 'utf8').digest();
  } finally {
    derived.fill(0);
  }
}

/** The pads of steps `first .. first + count - 1` of the file (indexes, not step numbers). */
export function offlinePads(padKey: Buffer, first: number, count: number): Uint32Array {
  const start = first * PAD_BYTES;
  const block = Math.floor(start / 16);
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(block), 8);
  const cipher = createCipheriv('aes-256-ctr', padKey, iv);
  const skip = start - block * 16;
  const stream = cipher.update(Buffer.alloc(skip + count * PAD_BYTES));
  const pads = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    pads[i] = stream.readUIntBE(skip + i * PAD_BYTES, PAD_BYTES) % OFFLINE_RESIDUE_MODULUS;
  }
  stream.fill(0);
  return pads;
}

/**
 * What a step's tokencode must be modulo M if `padKey`'s PIN is right: the stored residue minus the pad.
 * Under a wrong PIN this is just as well-formed, which is the point.
 */
export function expectedResidue(residues: Buffer, index: number, pad: number): number {
  const stored = residues.readUInt16BE(index * OFFLINE_RESIDUE_BYTES);
  return (stored - pad + OFFLINE_RESIDUE_MODULUS) % OFFLINE_RESIDUE_MODULUS;
}

/**
 * The step of `tokencode` that the file accepts at `at` with this PIN, or null. Every acceptable step is
 * computed; the earliest match wins.
 */
export async function matchOfflineTokencode(
  tokencodes: OfflineTokencodes,
  binding: OfflineBinding,
  pin: string,
  tokencode: string,
  at: Date,
): Promise<number | null> {
  const residues = Buffer.from(tokencodes.residues, 'base64');
  const padKey = await offlinePadKey(tokencodes.key, pin, binding);
  const typed = Number(tokencode) % OFFLINE_RESIDUE_MODULUS;
  let matched: number | null = null;
  try {
    for (const step of acceptableSteps(at, tokencodes.stepSeconds, tokencodes.acceptance)) {
      const index = Number(step) - tokencodes.firstStep;
      if (index < 0 || index >= tokencodes.count) continue;
      const [pad] = offlinePads(padKey, index, 1);
      if (expectedResidue(residues, index, pad!) === typed && matched === null) matched = Number(step);
    }
  } finally {
    padKey.fill(0);
  }
  return matched;
}

export interface OfflineTokencodesInput extends OfflineBinding {
  seed: Uint8Array;
  digits: 6 | 8;
  /** The PIN the user just authenticated with. */
  pin: string;
  from: Date;
  days: number;
}

/** The step window of a file of `days` from `from`. */
function stepsOf(from: Date, days: number): { firstStep: number; count: number } {
  return {
    firstStep: Math.floor(from.getTime() / 1000 / OFFLINE_STEP_SECONDS),
    count: (days * 86_400) / OFFLINE_STEP_SECONDS,
  };
}

/** The residues of `count` steps from `firstStep`: all the per-step work of a file, beyond its one KDF run. */
export function residuesOf(
  padKey: Buffer,
  seed: Uint8Array,
  firstStep: number,
  count: number,
  digits: number,
): Buffer {
  const pads = offlinePads(padKey, 0, count);
  const codes = hotpSeries(seed, firstStep, count, digits);
  const residues = Buffer.alloc(count * OFFLINE_RESIDUE_BYTES);
  for (let i = 0; i < count; i++) {
    residues.writeUInt16BE((codes[i]! + pads[i]!) % OFFLINE_RESIDUE_MODULUS, i * OFFLINE_RESIDUE_BYTES);
  }
  codes.fill(0);
  pads.fill(0);
  return residues;
}

/**
 * `pbkdf2Iterations` is for tests that attack the layout on a cheap KDF (PBKDF2, as format 2); the product
 * always uses scrypt at the defaults.
 */
export async function buildOfflineTokencodes(
  input: OfflineTokencodesInput,
  pbkdf2Iterations?: number,
): Promise<OfflineTokencodes> {
  const salt = randomBytes(OFFLINE_SALT_BYTES).toString('base64');
  const key: OfflineKeyDerivation =
    pbkdf2Iterations === undefined
      ? { derivation: 'scrypt', ...SCRYPT_DEFAULTS, salt }
      : { derivation: 'pbkdf2-sha256', iterations: pbkdf2Iterations, salt };
  const { firstStep, count } = stepsOf(input.from, input.days);
  const padKey = await offlinePadKey(key, input.pin, input);
  const residues = residuesOf(padKey, input.seed, firstStep, count, input.digits);
  padKey.fill(0);
  return {
    algorithm: OFFLINE_TOKENCODE_ALGORITHM,
    digits: input.digits,
    stepSeconds: OFFLINE_STEP_SECONDS,
    acceptance: ACCEPTANCE_WINDOW,
    firstStep,
    count,
    modulus: OFFLINE_RESIDUE_MODULUS,
    key,
    residues: residues.toString('base64'),
  };
}

/** The end of a file's last step: the file is no use from then on. */
export function validUntilOf(steps: { firstStep: number; count: number }): Date {
  return new Date((steps.firstStep + steps.count) * OFFLINE_STEP_SECONDS * 1000);
}

export interface OfflineDataInput extends Omit<OfflineTokencodesInput, 'pin'> {
  /** The PIN the user just authenticated with; null for tokens without one. */
  pin: string | null;
  /** The domain's `offlineTokencodes`: false withholds tokencode data from every token (default true). */
  offlineTokencodes?: boolean;
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

/**
 * The whole file for one (user, agent) download. Holds no code, PIN or seed. Costs two KDF runs (the
 * pad key and the emergency code's verifier, in parallel) for a SecurID token, one for the others.
 */
/** Always scrypt at its defaults (memory-hard-kdf.ts): no cheaper cost exists for it, in tests either. */
export async function buildOfflineData(input: OfflineDataInput): Promise<OfflineData> {
  if (requiresPin(input.kind) !== (input.pin !== null)) {
    throw new RangeError('a PIN is needed exactly for the token kinds that require one');
  }
  const eat = input.emergencyCode;
  const pin = input.pin;
  const withheld: TokencodesWithheld | null =
    pin === null ? 'TOKEN_HAS_NO_PIN' : input.offlineTokencodes === false ? 'DOMAIN_POLICY' : null;
  // The KDF runs go to libuv's pool, in parallel with each other.
  const [verifier, tokencodes] = await Promise.all([
    eat === null
      ? null
      : createScryptVerifier(offlineEmergencySecretOf(pin, eat.code, input.assignmentEpoch)),
    pin === null || withheld !== null ? null : buildOfflineTokencodes({ ...input, pin }),
  ]);
  return {
    format: OFFLINE_DATA_FORMAT,
    userId: input.userId,
    serial: input.serial,
    kind: input.kind,
    requiresPin: requiresPin(input.kind),
    digits: input.digits,
    agentId: input.agentId,
    assignmentEpoch: input.assignmentEpoch,
    issuedAt: input.from.toISOString(),
    validUntil: validUntilOf(stepsOf(input.from, input.days)).toISOString(),
    days: input.days,
    tokencodes,
    tokencodesWithheld: withheld,
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
