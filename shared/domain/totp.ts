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

/** Steps either side of the current one accepted for clock drift (one minute each way). */
export const DRIFT_WINDOW_STEPS = 1;

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
 * Checks a tokencode against the steps around `at`. Returns the matching step, or null. Every step of
 * the window is computed and compared in constant time, so the time taken says nothing about which.
 */
export function verifyTotp(
  seed: Uint8Array,
  tokencode: string,
  at: Date,
  parameters: TotpParameters = PRODUCT_TOTP,
  window = DRIFT_WINDOW_STEPS,
): bigint | null {
  const given = Buffer.from(tokencode);
  const current = timeStepOf(at, parameters.stepSeconds);
  let matched: bigint | null = null;
  for (let offset = -window; offset <= window; offset++) {
    const step = current + BigInt(offset);
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
