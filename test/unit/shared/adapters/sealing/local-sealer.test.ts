import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SealedSecretRejectedError } from '../../../../../shared/domain/errors';
import type { SealedSecret } from '../../../../../shared/domain/model';
import type { SealingContext } from '../../../../../shared/ports/sealer';
import { createSealer } from '../../../../../shared/adapters/sealing';
import {
  ensureLocalKeyFile,
  LOCAL_KEY_BYTES,
  LocalSealer,
  localKeyIdOf,
} from '../../../../../shared/adapters/sealing/local-sealer';

const context: SealingContext = { purpose: 'offline-eat', serial: '000123456789', generation: 3 };
const secret = (): Buffer => Buffer.from('K7QF-2M9X-PL4R', 'utf8');

function flipByte(sealed: SealedSecret, index: number): SealedSecret {
  const blob = Buffer.from(sealed.ciphertext, 'base64');
  blob[index] = (blob[index] ?? 0) ^ 0x01;
  return { ...sealed, ciphertext: blob.toString('base64') };
}

describe('LocalSealer', () => {
  const sealer = new LocalSealer(randomBytes(LOCAL_KEY_BYTES));

  it('opens what it sealed, under the same context', async () => {
    const sealed = await sealer.seal(secret(), context);
    expect(sealed.keyId).toBe(sealer.keyId);
    expect(sealed.ciphertext).not.toContain('K7QF');
    expect(Buffer.from(sealed.ciphertext, 'base64')[0]).toBe(0x01);
    await expect(sealer.open(sealed, context)).resolves.toEqual(secret());
  });

  it.each<[string, SealingContext]>([
    ['another serial', { ...context, serial: '000123456788' }],
    ['another generation', { ...context, generation: 4 }],
    ['another purpose', { ...context, purpose: 'totp-seed' }],
  ])('refuses to open under %s', async (_label, other) => {
    const sealed = await sealer.seal(secret(), context);
    await expect(sealer.open(sealed, other)).rejects.toBeInstanceOf(SealedSecretRejectedError);
  });

  it('refuses a tampered ciphertext (IV, tag, body, version) and a truncated one', async () => {
    const sealed = await sealer.seal(secret(), context);
    const length = Buffer.from(sealed.ciphertext, 'base64').length;
    for (const index of [0, 1, 13, 29, length - 1]) {
      await expect(sealer.open(flipByte(sealed, index), context)).rejects.toBeInstanceOf(
        SealedSecretRejectedError,
      );
    }
    const truncated = Buffer.from(sealed.ciphertext, 'base64').subarray(0, 29).toString('base64');
    await expect(sealer.open({ ...sealed, ciphertext: truncated }, context)).rejects.toBeInstanceOf(
      SealedSecretRejectedError,
    );
    await expect(sealer.open({ ...sealed, ciphertext: '' }, context)).rejects.toBeInstanceOf(
      SealedSecretRejectedError,
    );
  });

  it('refuses a secret sealed under another key, even when relabelled with its own key id', async () => {
    const other = new LocalSealer(randomBytes(LOCAL_KEY_BYTES));
    expect(other.keyId).not.toBe(sealer.keyId);
    const sealed = await other.seal(secret(), context);
    await expect(sealer.open(sealed, context)).rejects.toBeInstanceOf(SealedSecretRejectedError);
    await expect(sealer.open({ ...sealed, keyId: sealer.keyId }, context)).rejects.toBeInstanceOf(
      SealedSecretRejectedError,
    );
  });

  it('seals the same plaintext differently every time (random IV)', async () => {
    const first = await sealer.seal(secret(), context);
    const second = await sealer.seal(secret(), context);
    expect(first.ciphertext).not.toBe(second.ciphertext);
    expect(Buffer.from(first.ciphertext, 'base64').subarray(1, 13)).not.toEqual(
      Buffer.from(second.ciphertext, 'base64').subarray(1, 13),
    );
  });

  it('derives a stable key id from the key', () => {
    const key = randomBytes(LOCAL_KEY_BYTES);
    expect(new LocalSealer(key).keyId).toBe(new LocalSealer(Buffer.from(key)).keyId);
    expect(localKeyIdOf(key)).toMatch(/^local:[0-9a-f]{16}$/);
  });

  it('refuses a key of the wrong size and an empty or oversized plaintext', async () => {
    expect(() => new LocalSealer(randomBytes(16))).toThrow(/32 bytes/);
    await expect(sealer.seal(new Uint8Array(0), context)).rejects.toThrow(/1 to 4096 bytes/);
    await expect(sealer.seal(new Uint8Array(4097), context)).rejects.toThrow(/1 to 4096 bytes/);
    await expect(sealer.seal(new Uint8Array(4096).fill(7), context)).resolves.toBeDefined();
  });
});

describe('local key file', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eat-sealing-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is created once with 32 random bytes and mode 0600, then reused', async () => {
    const path = join(dir, 'nested', 'sealing.key');
    await expect(ensureLocalKeyFile(path)).resolves.toEqual({ path, created: true });
    const info = await stat(path);
    expect(info.size).toBe(LOCAL_KEY_BYTES);
    expect(info.mode & 0o777).toBe(0o600);
    const key = await readFile(path);

    await expect(ensureLocalKeyFile(path)).resolves.toEqual({ path, created: false });
    await expect(readFile(path)).resolves.toEqual(key);

    const first = await LocalSealer.fromKeyFile(path);
    const second = await LocalSealer.fromKeyFile(path);
    expect(first.keyId).toBe(localKeyIdOf(key));
    await expect(second.open(await first.seal(secret(), context), context)).resolves.toEqual(secret());
  });

  it('is created exactly once by concurrent callers', async () => {
    const path = join(dir, 'sealing.key');
    const results = await Promise.all([1, 2, 3, 4].map(() => ensureLocalKeyFile(path)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await stat(path)).size).toBe(LOCAL_KEY_BYTES);
  });

  it('is refused when other users can read it, or when it is not 32 bytes', async () => {
    const open = join(dir, 'open.key');
    await writeFile(open, randomBytes(LOCAL_KEY_BYTES), { mode: 0o600 });
    await chmod(open, 0o644);
    await expect(LocalSealer.fromKeyFile(open)).rejects.toThrow(/accessible to other users/);

    const short = join(dir, 'short.key');
    await writeFile(short, randomBytes(16), { mode: 0o600 });
    await expect(LocalSealer.fromKeyFile(short)).rejects.toThrow(/exactly 32 bytes/);
  });

  it('backs the factory', async () => {
    const keyFile = join(dir, 'factory.key');
    const sealer = await createSealer({ kind: 'local', keyFile, createKeyFile: true });
    await expect(sealer.open(await sealer.seal(secret(), context), context)).resolves.toEqual(secret());
    await expect(createSealer({ kind: 'local', keyFile: join(dir, 'missing.key') })).rejects.toThrow();
  });
});
