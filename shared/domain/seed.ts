import { ValidationError } from './errors';
import { decodeBase32 } from './totp';

/** RFC 4226 asks for at least 128 bits; 512 bits is a SHA-512 block, more than any TOTP needs. */
export const MIN_SEED_BYTES = 16;
export const MAX_SEED_BYTES = 64;

/**
 * A TOTP seed from its base32 text (spaces and padding allowed), 128 to 512 bits. The caller zeroes the
 * bytes once used; the error never repeats the value.
 */
export function decodeSeed(base32: string): Buffer {
  let seed: Buffer;
  try {
    seed = decodeBase32(base32);
  } catch {
    seed = Buffer.alloc(0);
  }
  if (seed.length < MIN_SEED_BYTES || seed.length > MAX_SEED_BYTES) {
    seed.fill(0);
    throw new ValidationError('The seed is not acceptable', [
      `body.seed: a seed is ${MIN_SEED_BYTES * 8} to ${MAX_SEED_BYTES * 8} bits of base32`,
    ]);
  }
  return seed;
}
