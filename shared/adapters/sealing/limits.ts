import { AppError } from '../../domain/errors';

/** KMS Encrypt takes 1 to 4096 bytes; the local adapter keeps the same limits so both behave alike. */
export const MAX_SEALABLE_BYTES = 4096;

export function assertSealablePlaintext(plaintext: Uint8Array): void {
  if (plaintext.length < 1 || plaintext.length > MAX_SEALABLE_BYTES) {
    throw new AppError('INTERNAL', `A secret to seal must be 1 to ${MAX_SEALABLE_BYTES} bytes`);
  }
}
