/**
 * The KMS pepper: GenerateMac (HMAC_SHA_256) under this region's HMAC key, a multi-region key like the
 * sealing key, so every region computes the same MAC with its own replica and no cross-region call. The
 * key material never leaves KMS. Errors map as the sealer's do (kmsError), never with the SDK's message.
 */
import { GenerateMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import { AppError, DependencyUnavailableError } from '../../domain/errors';
import { pepperMessageOf, type Pepper, type PepperContext, type PepperedSecret } from '../../ports/pepper';
import { KMS_DEPENDENCY, kmsError } from '../sealing/kms-sealer';

export const PEPPER_MAC_ALGORITHM = 'HMAC_SHA_256';

/** GenerateMac takes 1 to 4096 bytes of message. */
const MAX_MESSAGE_BYTES = 4096;

export class KmsPepper implements Pepper {
  /**
   * The key's id (`mrk-...`), not its ARN: a multi-region key has one id in every region, so a verifier
   * peppered in one region (which stores this id) matches in every other.
   */
  readonly keyId: string;

  constructor(
    private readonly client: KMSClient,
    private readonly keyArn: string,
  ) {
    const id = /^arn:[^:]+:kms:[^:]+:\d{12}:key\/(.+)$/.exec(keyArn)?.[1];
    if (id === undefined) throw new AppError('INTERNAL', 'The pepper key must be given as a KMS key ARN');
    this.keyId = id;
  }

  async mac(secret: Uint8Array, context: PepperContext): Promise<PepperedSecret> {
    const message = pepperMessageOf(secret, context);
    if (message.length > MAX_MESSAGE_BYTES) {
      message.fill(0);
      throw new AppError('INTERNAL', `A secret to pepper must fit a ${MAX_MESSAGE_BYTES}-byte message`);
    }
    let mac: Uint8Array | undefined;
    try {
      const output = await this.client.send(
        new GenerateMacCommand({ KeyId: this.keyArn, Message: message, MacAlgorithm: PEPPER_MAC_ALGORITHM }),
      );
      mac = output.Mac;
    } catch (error) {
      throw kmsError(error, 'mac');
    } finally {
      message.fill(0);
    }
    if (mac === undefined || mac.length === 0) {
      throw new DependencyUnavailableError(KMS_DEPENDENCY, { retryable: false });
    }
    return { mac: Buffer.from(mac.buffer, mac.byteOffset, mac.length), keyId: this.keyId };
  }
}
