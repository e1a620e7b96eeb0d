/**
 * The local pepper: HMAC-SHA256 under a 32-byte key kept in its own file (mode 0600), for `npm start` and
 * unit tests; the same message as KMS GenerateMac gets. The key file is read and created as the local
 * sealing key is.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { AppError } from '../../domain/errors';
import { pepperMessageOf, type Pepper, type PepperContext, type PepperedSecret } from '../../ports/pepper';
import { ensureLocalKeyFile, LOCAL_KEY_BYTES, localKeyIdOf, readLocalKeyFile } from '../sealing/local-sealer';

export class LocalPepper implements Pepper {
  readonly keyId: string;
  private readonly key: KeyObject;

  constructor(key: Uint8Array) {
    if (key.length !== LOCAL_KEY_BYTES) {
      throw new AppError('INTERNAL', `A local pepper key must be ${LOCAL_KEY_BYTES} bytes`);
    }
    this.keyId = `pepper-${localKeyIdOf(key)}`;
    this.key = createSecretKey(key);
  }

  static async fromKeyFile(path: string, create = false): Promise<LocalPepper> {
    if (create) await ensureLocalKeyFile(path);
    const key = await readLocalKeyFile(path);
    try {
      return new LocalPepper(key);
    } finally {
      key.fill(0);
    }
  }

  async mac(secret: Uint8Array, context: PepperContext): Promise<PepperedSecret> {
    const message = pepperMessageOf(secret, context);
    try {
      return { mac: createHmac('sha256', this.key).update(message).digest(), keyId: this.keyId };
    } finally {
      message.fill(0);
    }
  }
}
