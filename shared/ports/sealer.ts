import type { SealedSecret } from '../domain/model';

/** `page-cursor`: a pagination cursor, sealed so that only the caller and query it was made for can use it. */
export type SealingPurpose = 'offline-eat' | 'totp-seed' | 'page-cursor';

/**
 * What a sealed secret is bound to. A ciphertext opens only under the context it was sealed with, so a
 * code copied to another token or generation cannot be opened there. With KMS this is the encryption
 * context, which CloudTrail also records for every Decrypt.
 */
export interface SealingContext {
  purpose: SealingPurpose;
  serial: string;
  generation: number;
}

/** The encryption context map both adapters bind to: string keys and values, in a fixed order. */
export function encryptionContextOf(context: SealingContext): Record<string, string> {
  return { purpose: context.purpose, serial: context.serial, generation: String(context.generation) };
}

/**
 * Seals and opens secrets. Implemented by KMS (AWS) and by AES-256-GCM with a local key file.
 * Failures are AppErrors: DependencyUnavailableError (retryable) when the key service does not answer,
 * SealedSecretRejectedError when the ciphertext does not open under the given context.
 */
export interface Sealer {
  seal(plaintext: Uint8Array, context: SealingContext): Promise<SealedSecret>;
  open(sealed: SealedSecret, context: SealingContext): Promise<Buffer>;
}
