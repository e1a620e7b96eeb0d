/**
 * The audit signing key in KMS: an asymmetric key (SIGN_VERIFY, ECC_NIST_P256), ECDSA_SHA_256 over the
 * message itself (RAW, at most 4096 bytes: what is signed is short, see audit-export.ts). The public key is
 * read once per process.
 */
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { DependencyUnavailableError } from '../../domain/errors';
import type { Signer } from '../../ports/signer';
import { isTransientAwsError } from '../aws-errors';

export const AUDIT_SIGNING_ALGORITHM = 'ECDSA_SHA_256';

export class KmsSigner implements Signer {
  private publicKeyOnce: Promise<{ keyId: string; spki: Buffer }> | undefined;

  constructor(
    private readonly client: KMSClient,
    readonly keyId: string,
  ) {}

  async sign(message: Buffer): Promise<{ keyId: string; signature: Buffer }> {
    const reply = await this.call(() =>
      this.client.send(
        new SignCommand({
          KeyId: this.keyId,
          Message: message,
          MessageType: 'RAW',
          SigningAlgorithm: AUDIT_SIGNING_ALGORITHM,
        }),
      ),
    );
    return { keyId: reply.KeyId ?? this.keyId, signature: Buffer.from(reply.Signature!) };
  }

  publicKey(): Promise<{ keyId: string; spki: Buffer }> {
    this.publicKeyOnce ??= this.call(() => this.client.send(new GetPublicKeyCommand({ KeyId: this.keyId })))
      .then((reply) => ({ keyId: reply.KeyId ?? this.keyId, spki: Buffer.from(reply.PublicKey!) }))
      .catch((error: unknown) => {
        this.publicKeyOnce = undefined;
        throw error;
      });
    return this.publicKeyOnce;
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (isTransientAwsError(error)) throw new DependencyUnavailableError('KMS', { cause: error });
      throw error;
    }
  }
}
