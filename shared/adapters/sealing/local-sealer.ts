/**
 * The local sealing adapter: AES-256-GCM under a 32-byte key kept in a file, for `npm start` and unit
 * tests. It binds every ciphertext to its SealingContext exactly as KMS binds to an encryption context:
 * the context is the GCM additional authenticated data, so a ciphertext opens only under the purpose,
 * serial and generation it was sealed with.
 *
 * Ciphertext layout (then base64): version (1 byte, 0x01) | IV (12 bytes, random per seal) | tag (16 bytes)
 * | ciphertext. The AAD also names the layout version, so a blob cannot be re-labelled as another version.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError, SealedSecretRejectedError } from '../../domain/errors';
import type { SealedSecret } from '../../domain/model';
import { encryptionContextOf, type Sealer, type SealingContext } from '../../ports/sealer';
import { assertSealablePlaintext } from './limits';

export const LOCAL_KEY_BYTES = 32;

const VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const ALGORITHM = 'aes-256-gcm';
const KEY_ID_LABEL = 'eat-local-sealing-key-id\0';

/** The stable id of a local key: `local:` and the first 8 bytes of a labelled SHA-256 of the key, in hex. */
export function localKeyIdOf(key: Uint8Array): string {
  const digest = createHash('sha256').update(KEY_ID_LABEL).update(key).digest();
  return `local:${digest.subarray(0, 8).toString('hex')}`;
}

/** The additional authenticated data: the layout version and the context, serialised deterministically. */
function additionalData(context: SealingContext): Buffer {
  const entries = Object.entries(encryptionContextOf(context)).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return Buffer.from(JSON.stringify(['eat-local-seal', VERSION, entries]), 'utf8');
}

export class LocalSealer implements Sealer {
  readonly keyId: string;
  private readonly key: KeyObject;

  /** Copies the key; the caller may (and should) zero its own copy afterwards. */
  constructor(key: Uint8Array) {
    if (key.length !== LOCAL_KEY_BYTES) {
      throw new AppError('INTERNAL', `A local sealing key must be ${LOCAL_KEY_BYTES} bytes`);
    }
    this.keyId = localKeyIdOf(key);
    this.key = createSecretKey(key);
  }

  /** A sealer with the key read from `path` (see readLocalKeyFile). */
  static async fromKeyFile(path: string): Promise<LocalSealer> {
    const key = await readLocalKeyFile(path);
    try {
      return new LocalSealer(key);
    } finally {
      key.fill(0);
    }
  }

  async seal(plaintext: Uint8Array, context: SealingContext): Promise<SealedSecret> {
    assertSealablePlaintext(plaintext);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const blob = Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]);
    return { keyId: this.keyId, ciphertext: blob.toString('base64') };
  }

  async open(sealed: SealedSecret, context: SealingContext): Promise<Buffer> {
    if (sealed.keyId !== this.keyId) throw new SealedSecretRejectedError();
    const blob = Buffer.from(sealed.ciphertext, 'base64');
    if (blob.length <= HEADER_BYTES || blob[0] !== VERSION) throw new SealedSecretRejectedError();
    const iv = blob.subarray(1, 1 + IV_BYTES);
    const tag = blob.subarray(1 + IV_BYTES, HEADER_BYTES);
    const body = blob.subarray(HEADER_BYTES);

    const decipher = createDecipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(context));
    decipher.setAuthTag(tag);
    // GCM releases plaintext before the tag is checked: it is wiped if the check fails.
    const head = decipher.update(body);
    let tail: Buffer;
    try {
      tail = decipher.final();
    } catch {
      head.fill(0);
      throw new SealedSecretRejectedError();
    }
    if (tail.length === 0) return head;
    const plaintext = Buffer.alloc(head.length + tail.length);
    head.copy(plaintext);
    tail.copy(plaintext, head.length);
    head.fill(0);
    tail.fill(0);
    return plaintext;
  }
}

/**
 * Reads a local sealing key: exactly 32 raw bytes, in a file no one but its owner can read or write
 * (on POSIX systems). The caller should zero the returned buffer once it is done with it.
 */
export async function readLocalKeyFile(path: string): Promise<Buffer> {
  const handle = await fs.open(path, constants.O_RDONLY);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new AppError('INTERNAL', `The local sealing key ${path} is not a file`);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new AppError(
        'INTERNAL',
        `The local sealing key ${path} is accessible to other users (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it`,
      );
    }
    if (stat.size !== LOCAL_KEY_BYTES) {
      throw new AppError(
        'INTERNAL',
        `The local sealing key ${path} must hold exactly ${LOCAL_KEY_BYTES} bytes`,
      );
    }
    const key = Buffer.alloc(LOCAL_KEY_BYTES);
    const { bytesRead } = await handle.read(key, 0, LOCAL_KEY_BYTES, 0);
    if (bytesRead !== LOCAL_KEY_BYTES) {
      key.fill(0);
      throw new AppError('INTERNAL', `The local sealing key ${path} could not be read whole`);
    }
    return key;
  } finally {
    await handle.close();
  }
}

/**
 * Creates a local sealing key file (32 random bytes, mode 0600, its directory 0700 if created) unless
 * one exists. Safe against a concurrent creator: the key is written to a temporary file and linked into
 * place, so a reader never sees a partial key and an existing key is never replaced.
 */
export async function ensureLocalKeyFile(path: string): Promise<{ path: string; created: boolean }> {
  try {
    await fs.access(path);
    return { path, created: false };
  } catch {
    // Missing: create it below.
  }
  const dir = dirname(path);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = join(dir, `.sealing-key.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const key = randomBytes(LOCAL_KEY_BYTES);
  try {
    await fs.writeFile(temporary, key, { mode: 0o600, flag: 'wx' });
    try {
      await fs.link(temporary, path);
      return { path, created: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { path, created: false };
      throw error;
    }
  } finally {
    key.fill(0);
    await fs.rm(temporary, { force: true });
  }
}
