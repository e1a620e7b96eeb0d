/**
 * The audit export's signing key (KMS asymmetric, SIGN_VERIFY, ECC_NIST_P256 deployed; a local key pair
 * file locally). Signatures are ECDSA with SHA-256 over the message, DER-encoded.
 */
export interface Signer {
  sign(message: Buffer): Promise<{ keyId: string; signature: Buffer }>;
  /** SubjectPublicKeyInfo, DER. */
  publicKey(): Promise<{ keyId: string; spki: Buffer }>;
}
