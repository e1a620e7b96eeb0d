import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { VERIFIER_KEY_BYTES, VERIFIER_MAX_SALT_BYTES, VERIFIER_SALT_BYTES } from './verifier';

/**
 * The offline file's KDF: scrypt (RFC 7914, built into Node), memory-hard, for the secrets that cannot be
 * peppered because the agent checks them with no network (offline-data.ts).
 *
 * Why: at N = 2^13, r = 8, p = 1 each guess needs 8 MiB of memory touched twice. A GPU, whose cores share
 * little memory bandwidth each, does about as many of these a second as PBKDF2-HMAC-SHA256 at 600,000
 * iterations (hashcat's published scrypt rate at N = 2^14, about 7,000 a second on one current GPU, times
 * two), while one CPU core does one in about a quarter of PBKDF2's time: the same cost to the attacker
 * for a quarter of the login's. Parameters travel in the file; a file that asks for less than the floor
 * or more than the ceiling (2^16: 64 MiB, about 0.3 s) is refused, so a tampered file can neither cheapen
 * nor hang a check.
 */
export const SCRYPT_COST = 2 ** 13;
export const SCRYPT_MIN_COST = 2 ** 13;
export const SCRYPT_MAX_COST = 2 ** 16;
export const SCRYPT_BLOCK_SIZE = 8;
export const SCRYPT_PARALLELIZATION = 1;

export interface ScryptParameters {
  /** N, a power of two. */
  cost: number;
  blockSize: typeof SCRYPT_BLOCK_SIZE;
  parallelization: typeof SCRYPT_PARALLELIZATION;
}

/** A salted scrypt result: what the offline file holds for its emergency code. Holds no secret. */
export interface ScryptVerifier extends ScryptParameters {
  algorithm: 'scrypt';
  /** Base64 salt. */
  salt: string;
  /** Base64 derived key. */
  hash: string;
}

export const SCRYPT_DEFAULTS: ScryptParameters = {
  cost: SCRYPT_COST,
  blockSize: SCRYPT_BLOCK_SIZE,
  parallelization: SCRYPT_PARALLELIZATION,
};

export const scryptCostWithinBounds = (cost: number): boolean =>
  Number.isInteger(cost) && cost >= SCRYPT_MIN_COST && cost <= SCRYPT_MAX_COST && (cost & (cost - 1)) === 0;

/** scrypt of the NFC form of `secret`, 32 bytes; the parameters' bounds are the caller's to check. */
export function scryptKey(secret: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = {
    N: parameters.cost,
    r: parameters.blockSize,
    p: parameters.parallelization,
    // 128 N r bytes, with room: Node's default ceiling (32 MiB) is below the largest cost allowed.
    maxmem: 256 * parameters.cost * parameters.blockSize,
  };
  return new Promise((resolve, reject) =>
    scrypt(secret.normalize('NFC'), salt, VERIFIER_KEY_BYTES, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function createScryptVerifier(secret: string): Promise<ScryptVerifier> {
  const salt = randomBytes(VERIFIER_SALT_BYTES);
  const hash = await scryptKey(secret, salt, SCRYPT_DEFAULTS);
  return {
    algorithm: 'scrypt',
    ...SCRYPT_DEFAULTS,
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
  };
}

export async function verifyScryptSecret(secret: string, verifier: ScryptVerifier): Promise<boolean> {
  if (
    verifier.algorithm !== 'scrypt' ||
    !scryptCostWithinBounds(verifier.cost) ||
    verifier.blockSize !== SCRYPT_BLOCK_SIZE ||
    verifier.parallelization !== SCRYPT_PARALLELIZATION
  )
    return false;
  const expected = Buffer.from(verifier.hash, 'base64');
  const salt = Buffer.from(verifier.salt, 'base64');
  if (expected.length !== VERIFIER_KEY_BYTES || salt.length < 16 || salt.length > VERIFIER_MAX_SALT_BYTES)
    return false;
  return timingSafeEqual(await scryptKey(secret, salt, verifier), expected);
}
