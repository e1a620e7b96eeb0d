/**
 * The local audit signing key: an ECDSA P-256 key pair in a PEM file (mode 0600), created on first use,
 * for `npm start` and the tests; signatures in the same form as KMS Sign's (ECDSA_SHA_256, DER).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Signer } from '../../ports/signer';

export class LocalSigner implements Signer {
  readonly keyId: string;
  private readonly spki: Buffer;

  constructor(private readonly privateKey: KeyObject) {
    this.spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    this.keyId = `local-audit-${createHash('sha256').update(this.spki).digest('hex').slice(0, 16)}`;
  }

  /** Reads the key pair, creating it (mode 0600, never overwritten) if the file does not exist. */
  static async fromKeyFile(path: string): Promise<LocalSigner> {
    const pem = await readFile(path, 'utf8').catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const created = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      const file = await open(path, 'wx', 0o600).catch(() => null);
      if (file === null) return readFile(path, 'utf8'); // another process created it first
      await file.writeFile(created);
      await file.close();
      return created;
    });
    return new LocalSigner(createPrivateKey(pem));
  }

  async sign(message: Buffer): Promise<{ keyId: string; signature: Buffer }> {
    return {
      keyId: this.keyId,
      signature: sign('sha256', message, { key: this.privateKey, dsaEncoding: 'der' }),
    };
  }

  async publicKey(): Promise<{ keyId: string; spki: Buffer }> {
    return { keyId: this.keyId, spki: this.spki };
  }
}
