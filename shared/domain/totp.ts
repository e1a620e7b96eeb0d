import { createHmac, timingSafeEqual } from 'node:crypto';

/** RFC 6238 TOTP over RFC 4226 HOTP. The product uses 60-second steps and 6 or 8 digits. */
export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpParameters {
  digits: 6 | 8;
  /** Seconds per step; 60 in this product, 30 in the RFC's test vectors. */
  stepSeconds: number;
  algorithm: TotpAlgorithm;
}

export const PRODUCT_TOTP: TotpParameters = { digits: 6, stepSeconds: 60, algorithm: 'sha1' };

/**
 * When a tokencode is accepted: from `leadSeconds` before its step starts (a token whose clock runs a
 * little ahead) to `graceSeconds` after its step ends (the time to type it). With 60-second steps that is
 * 15 + 60 + 30 = 105 seconds per tokencode, under the 2 minutes NIST SP 800-63B 5.1.4.2 asks for, and at
 * most two steps are acceptable at any moment (lead + grace < one step). Replay is refused separately
 * (the accepted step is spent).
 */
export interface AcceptanceWindow {
  leadSeconds: number;
  graceSeconds: number;
}

export const ACCEPTANCE_WINDOW: AcceptanceWindow = { leadSeconds: 15, graceSeconds: 30 };

/** How long one tokencode is accepted, in seconds. */
export const acceptanceSecondsOf = (stepSeconds: number, window: AcceptanceWindow): number =>
  window.leadSeconds + stepSeconds + window.graceSeconds;

/** The steps whose tokencodes are accepted at `at`, oldest first: the current one, and its neighbour when in the lead or grace. */
export function acceptableSteps(at: Date, stepSeconds: number, window: AcceptanceWindow): bigint[] {
  const seconds = at.getTime() / 1000;
  const current = BigInt(Math.floor(seconds / stepSeconds));
  const into = seconds - Number(current) * stepSeconds;
  const steps: bigint[] = [];
  if (into < window.graceSeconds) steps.push(current - 1n);
  steps.push(current);
  if (stepSeconds - into <= window.leadSeconds) steps.push(current + 1n);
  return steps;
}

export function hotp(
  seed: Uint8Array,
  counter: bigint,
  digits: number,
  algorithm: TotpAlgorithm = 'sha1',
): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(counter);
  const mac = createHmac(algorithm, seed).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

export function timeStepOf(at: Date, stepSeconds: number): bigint {
  return BigInt(Math.floor(at.getTime() / 1000 / stepSeconds));
}

export function totp(seed: Uint8Array, at: Date, parameters: TotpParameters = PRODUCT_TOTP): string {
  return hotp(seed, timeStepOf(at, parameters.stepSeconds), parameters.digits, parameters.algorithm);
}

/**
 * Checks a tokencode against the steps acceptable at `at`. Returns the matching step, or null. Every
 * acceptable step is computed and compared in constant time, so the time taken says nothing about which.
 */
export function verifyTotp(
  seed: Uint8Array,
  tokencode: string,
  at: Date,
  parameters: TotpParameters = PRODUCT_TOTP,
  window: AcceptanceWindow = ACCEPTANCE_WINDOW,
): bigint | null {
  const given = Buffer.from(tokencode);
  let matched: bigint | null = null;
  for (const step of acceptableSteps(at, parameters.stepSeconds, window)) {
    const expected = Buffer.from(hotp(seed, step, parameters.digits, parameters.algorithm));
    if (expected.length === given.length && timingSafeEqual(expected, given) && matched === null)
      matched = step;
  }
  return matched;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (the format authenticator apps use for seeds); spaces and padding are ignored. */
export function decodeBase32(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new RangeError('not base32');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
