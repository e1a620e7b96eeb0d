import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { SecretVerifier } from './model';

const pbkdf2Async = promisify(pbkdf2);

/**
 * The verifier KDF for emergency codes and PINs: PBKDF2-HMAC-SHA256.
 *
 * Why: an emergency code has 40+ bits and a PIN far fewer, both under the 112 bits below which NIST SP
 * 800-63B 5.1.2 (look-up secrets) and OWASP ASVS V6.5 ask for a salted password-hashing scheme with a
 * cost factor. PBKDF2-HMAC-SHA256 is the approved one (NIST SP 800-132), built into Node (no native
 * module in the Lambda bundle or the agent library), and 600,000 iterations is OWASP's figure for it.
 * The salt is 128 bits from the CSPRNG (NIST asks for at least 32). The result is compared in constant
 * time. Parameters travel inside each verifier, so they can be raised later without breaking old ones;
 * a verifier that asks for fewer iterations than the floor is refused rather than trusted, and one that
 * asks for more than the ceiling too (about 0.5 s on the development machine), so that a tampered offline
 * file cannot hang an agent or a forged item a function.
 */
export const VERIFIER_ITERATIONS = 600_000;
export const VERIFIER_MIN_ITERATIONS = 600_000;
export const VERIFIER_MAX_ITERATIONS = 2_000_000;
/**
 * A peppered verifier (its secret a MAC under the pepper key, which never leaves KMS: ports/pepper.ts) is
 * over 256 bits the key holder alone can produce, so a stored verifier alone cannot be searched at any
 * iteration count, and whoever may call the key pays one logged KMS call per guess, which dwarfs a KDF run.
 * Its iterations only keep a floor of work should the key itself ever be used by an attacker: 10,000
 * (about 4 ms of one core, 1/60 of the unpeppered cost). Older peppered verifiers at 600,000 still match.
 */
export const PEPPERED_VERIFIER_ITERATIONS = 10_000;
export const PEPPERED_VERIFIER_MIN_ITERATIONS = 10_000;
export const VERIFIER_MAX_SALT_BYTES = 64;
export const VERIFIER_SALT_BYTES = 16;
export const VERIFIER_KEY_BYTES = 32;

/**
 * What the KDF costs: the iterations of new verifiers and offline files, and the floor and ceiling a stored
 * one must be within to be checked at all. Production runs at PRODUCTION_KDF_COST (the functions' wiring,
 * functions/dependencies.ts, and every default here); the use cases take the cost from their dependencies
 * so that tests can hand in a cheap one, floor included, without any production path reading it.
 */
export interface KdfCost {
  iterations: number;
  floor: number;
  ceiling: number;
}

export const PRODUCTION_KDF_COST: Readonly<KdfCost> = Object.freeze({
  iterations: VERIFIER_ITERATIONS,
  floor: VERIFIER_MIN_ITERATIONS,
  ceiling: VERIFIER_MAX_ITERATIONS,
});

export async function createVerifier(
  secret: string,
  cost: Readonly<KdfCost> = PRODUCTION_KDF_COST,
): Promise<SecretVerifier> {
  const iterations = cost.iterations;
  if (!iterationsWithinBounds(iterations, cost))
    throw new RangeError('KDF iterations outside the floor and ceiling');
  return derive(secret, iterations);
}

/** A verifier over a peppered secret (the MAC's text), at the peppered iteration count. */
export async function createPepperedVerifier(peppered: string, pepperKeyId: string): Promise<SecretVerifier> {
  return { ...(await derive(peppered, PEPPERED_VERIFIER_ITERATIONS)), pepperKeyId };
}

async function derive(secret: string, iterations: number): Promise<SecretVerifier> {
  const salt = randomBytes(VERIFIER_SALT_BYTES);
  const hash = await pbkdf2Async(secret.normalize('NFC'), salt, iterations, VERIFIER_KEY_BYTES, 'sha256');
  return {
    algorithm: 'pbkdf2-sha256',
    iterations,
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
  };
}

export const iterationsWithinBounds = (
  iterations: number,
  cost: Readonly<KdfCost> = PRODUCTION_KDF_COST,
  floor = cost.floor,
): boolean => Number.isInteger(iterations) && iterations >= floor && iterations <= cost.ceiling;

/** The iteration floor of a verifier: lower for a peppered one (never above the cost's own floor). */
export const iterationFloorOf = (
  verifier: Pick<SecretVerifier, 'pepperKeyId'>,
  cost: Readonly<KdfCost> = PRODUCTION_KDF_COST,
): number =>
  verifier.pepperKeyId === undefined ? cost.floor : Math.min(cost.floor, PEPPERED_VERIFIER_MIN_ITERATIONS);

export async function verifySecret(
  secret: string,
  verifier: SecretVerifier,
  cost: Readonly<KdfCost> = PRODUCTION_KDF_COST,
): Promise<boolean> {
  if (
    verifier.algorithm !== 'pbkdf2-sha256' ||
    !iterationsWithinBounds(verifier.iterations, cost, iterationFloorOf(verifier, cost))
  )
    return false;
  const expected = Buffer.from(verifier.hash, 'base64');
  const salt = Buffer.from(verifier.salt, 'base64');
  if (expected.length !== VERIFIER_KEY_BYTES || salt.length * 8 < 32 || salt.length > VERIFIER_MAX_SALT_BYTES)
    return false;
  const actual = await pbkdf2Async(
    secret.normalize('NFC'),
    salt,
    verifier.iterations,
    VERIFIER_KEY_BYTES,
    'sha256',
  );
  return timingSafeEqual(actual, expected);
}
