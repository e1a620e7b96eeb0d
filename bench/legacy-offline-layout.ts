import { createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { hotp } from '../shared/domain/totp';

/**
 * The tokencode verifiers of offline data format 1 (before issue 11), kept only to measure and attack
 * them next to the current format: `npm run bench:offline-data` times both in one run, and the brute-force
 * test (test/unit/shared/domain/offline-data.brute-force.test.ts) shows this layout singling out the PIN and yielding the
 * tokencodes. Never used by the product.
 *
 *   key      = PBKDF2-HMAC-SHA256(PIN, salt, iterations, 32 bytes)   (the salt itself without a PIN)
 *   verifier = first 4 bytes of HMAC-SHA256(key, "eat-offline-tokencode/1" 0x00 serial 0x00 step(8) tokencode)
 */
export interface LegacyTokencodes {
  firstStep: number;
  count: number;
  salt: Buffer;
  iterations: number;
  verifiers: Buffer;
}

export function legacyKey(pin: string | null, salt: Buffer, iterations: number): Buffer {
  return pin === null ? salt : pbkdf2Sync(pin, salt, iterations, 32, 'sha256');
}

export function legacyVerifierOf(key: Buffer, serial: string, step: number, tokencode: string): Buffer {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  return createHmac('sha256', key)
    .update(`eat-offline-tokencode/1\0${serial}\0`)
    .update(counter)
    .update(tokencode, 'ascii')
    .digest()
    .subarray(0, 4);
}

export function buildLegacyTokencodes(input: {
  seed: Uint8Array;
  serial: string;
  digits: number;
  pin: string | null;
  firstStep: number;
  count: number;
  iterations: number;
}): LegacyTokencodes {
  const salt = randomBytes(16);
  const key = legacyKey(input.pin, salt, input.iterations);
  const verifiers = Buffer.alloc(input.count * 4);
  for (let i = 0; i < input.count; i++) {
    const step = input.firstStep + i;
    legacyVerifierOf(key, input.serial, step, hotp(input.seed, BigInt(step), input.digits)).copy(
      verifiers,
      i * 4,
    );
  }
  return { firstStep: input.firstStep, count: input.count, salt, iterations: input.iterations, verifiers };
}
