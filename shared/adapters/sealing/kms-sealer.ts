/**
 * The KMS sealing adapter. Seals with Encrypt and opens with Decrypt under this region's key (a multi-region
 * key: the primary in the primary region, a replica in each other region), with the encryption context
 * built by encryptionContextOf, which binds the ciphertext to purpose, serial and generation and which
 * CloudTrail records on every call.
 *
 * Decrypt names this region's key ARN explicitly. A multi-region key has the same key id and key material
 * in every region, so a replica region opens what the primary sealed with its local replica: no
 * cross-region call. Naming the key also makes KMS refuse a ciphertext of any other key
 * (IncorrectKeyException) instead of decrypting with whatever key the blob names.
 *
 * Errors (never with the SDK's message, which stays out of logs and responses; the cause is a summary of
 * the SDK error without its message):
 * - the ciphertext does not open (tampered, other context, other key) -> SealedSecretRejectedError;
 * - KMS did not answer or answered "try later" (network errors, timeouts, throttling, 5xx,
 *   KMSInternalException, DependencyTimeoutException, KeyUnavailableException)
 *   -> DependencyUnavailableError, retryable;
 * - the key cannot be used until an operator acts (DisabledException, KMSInvalidStateException: disabled,
 *   pending deletion or pending import; NotFoundException, AccessDeniedException, InvalidArnException,
 *   InvalidKeyUsageException: misconfiguration) and any other refusal -> DependencyUnavailableError,
 *   not retryable: the service is unavailable (503) but retrying the same call will not help.
 */
import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { AppError, DependencyUnavailableError, SealedSecretRejectedError } from '../../domain/errors';
import type { SealedSecret } from '../../domain/model';
import { encryptionContextOf, type Sealer, type SealingContext } from '../../ports/sealer';
import { isTransientAwsError, networkErrorCodeOf } from '../aws-errors';
import { assertSealablePlaintext } from './limits';

export interface KmsSealerOptions {
  /** One client per process, created by the caller (region, retries, timeouts, endpoint). */
  client: KMSClient;
  /** The ARN of this region's key: the primary in the primary region, the replica elsewhere. */
  keyArn: string;
}

/** The dependency name in DependencyUnavailableError messages. */
export const KMS_DEPENDENCY = 'KMS';

/** KMS answers with at most 6144 bytes of CiphertextBlob. */
const MAX_CIPHERTEXT_BYTES = 6144;

export class KmsSealer implements Sealer {
  private readonly client: KMSClient;
  readonly keyArn: string;

  constructor(options: KmsSealerOptions) {
    if (!/^arn:[^:]+:kms:[^:]+:\d{12}:key\/.+$/.test(options.keyArn)) {
      throw new AppError('INTERNAL', 'The sealing key must be given as a KMS key ARN');
    }
    this.client = options.client;
    this.keyArn = options.keyArn;
  }

  async seal(plaintext: Uint8Array, context: SealingContext): Promise<SealedSecret> {
    assertSealablePlaintext(plaintext);
    let blob: Uint8Array | undefined;
    let keyId: string | undefined;
    try {
      const output = await this.client.send(
        new EncryptCommand({
          KeyId: this.keyArn,
          Plaintext: plaintext,
          EncryptionContext: encryptionContextOf(context),
        }),
      );
      blob = output.CiphertextBlob;
      keyId = output.KeyId;
    } catch (error) {
      throw kmsError(error, 'seal');
    }
    if (blob === undefined || blob.length === 0) {
      throw new DependencyUnavailableError(KMS_DEPENDENCY, { retryable: false });
    }
    return { keyId: keyId ?? this.keyArn, ciphertext: Buffer.from(blob).toString('base64') };
  }

  async open(sealed: SealedSecret, context: SealingContext): Promise<Buffer> {
    const blob = Buffer.from(sealed.ciphertext, 'base64');
    if (blob.length === 0 || blob.length > MAX_CIPHERTEXT_BYTES) throw new SealedSecretRejectedError();
    let plaintext: Uint8Array | undefined;
    try {
      const output = await this.client.send(
        new DecryptCommand({
          KeyId: this.keyArn,
          CiphertextBlob: blob,
          EncryptionContext: encryptionContextOf(context),
        }),
      );
      plaintext = output.Plaintext;
    } catch (error) {
      throw kmsError(error, 'open');
    }
    if (plaintext === undefined) throw new DependencyUnavailableError(KMS_DEPENDENCY, { retryable: false });
    // The SDK's own buffer, handed over without a copy so that the caller's wipe reaches it.
    return Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.length);
  }
}

/** What is kept of an SDK error as the cause: its name and metadata, never its message. */
export interface KmsFailureSummary {
  operation: 'seal' | 'open' | 'mac';
  name: string;
  code?: string;
  fault?: string;
  httpStatusCode?: number;
  requestId?: string;
  attempts?: number;
}

const REJECTED = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

const RETRYABLE = new Set([
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'LimitExceededException',
  'ThrottlingException',
  'TooManyRequestsException',
  'InternalFailure',
]);

/** Maps whatever the KMS client threw to the AppError the port promises. Exported for tests. */
export function kmsError(error: unknown, operation: 'seal' | 'open' | 'mac'): AppError {
  const summary = summarise(error, operation);
  if (operation === 'open' && REJECTED.has(summary.name)) {
    return new SealedSecretRejectedError({ cause: summary });
  }
  const retryable = RETRYABLE.has(summary.name) || isTransientAwsError(error);
  return new DependencyUnavailableError(KMS_DEPENDENCY, { retryable, cause: summary });
}

function summarise(error: unknown, operation: 'seal' | 'open' | 'mac'): KmsFailureSummary {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown; attempts?: unknown };
  };
  const summary: KmsFailureSummary = {
    operation,
    name: typeof e.name === 'string' ? e.name : 'UnknownError',
  };
  const code = typeof e.code === 'string' ? e.code : networkErrorCodeOf(error);
  if (code !== undefined) summary.code = code;
  if (typeof e.$fault === 'string') summary.fault = e.$fault;
  const meta = e.$metadata;
  if (typeof meta?.httpStatusCode === 'number') summary.httpStatusCode = meta.httpStatusCode;
  if (typeof meta?.requestId === 'string') summary.requestId = meta.requestId;
  if (typeof meta?.attempts === 'number') summary.attempts = meta.attempts;
  return summary;
}
