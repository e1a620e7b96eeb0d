/**
 * The KMS sealing adapter against a real KMS-compatible server: the run's moto server (global setup), and
 * for the outage test a moto server of its own that it stops.
 *
 * Multi-region keys in moto 5.2.5: CreateKey (MultiRegion) and ReplicateKey are real (the replica in the
 * other region has the same `mrk-` key id and shares the primary's key material). moto's own ciphertext
 * format cuts a multi-region key id, so its Decrypt fails for them; scripts/moto_server.py (how the engines
 * start moto) widens that field, and a code sealed in the primary region opens in the replica region.
 */
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  KMSClient,
  ReplicateKeyCommand,
} from '@aws-sdk/client-kms';
import { statusOf } from '../../../../../functions/api/contract/statuses';
import {
  DependencyUnavailableError,
  SealedSecretRejectedError,
  type AppError,
} from '../../../../../shared/domain/errors';
import type { SealedSecret } from '../../../../../shared/domain/model';
import { encryptionContextOf, type SealingContext } from '../../../../../shared/ports/sealer';
import { createSealer } from '../../../../../shared/adapters/sealing';
import { KmsSealer } from '../../../../../shared/adapters/sealing/kms-sealer';
import { startMotoServer } from '../../../../support/engines';

const PRIMARY_REGION = 'us-east-1';
const REPLICA_REGION = 'eu-west-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const context: SealingContext = { purpose: 'offline-eat', serial: '000987654321', generation: 7 };
const secret = (): Buffer => Buffer.from('Q4ZT-8WNC-RH3M', 'utf8');

function endpoint(): string {
  const value = process.env.KMS_ENDPOINT;
  if (!value)
    throw new Error('KMS_ENDPOINT is not set: run the integration project, whose global setup starts moto');
  return value;
}

function kmsClient(region: string, url = endpoint(), maxAttempts?: number): KMSClient {
  return new KMSClient({
    region,
    endpoint: url,
    credentials,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
}

async function createKeyArn(client: KMSClient, multiRegion = false): Promise<string> {
  const created = await client.send(
    new CreateKeyCommand({ MultiRegion: multiRegion, Description: 'eat test' }),
  );
  const arn = created.KeyMetadata?.Arn;
  if (!arn) throw new Error('CreateKey returned no ARN');
  return arn;
}

interface SentRequest {
  command: string;
  region: string;
  input: Record<string, unknown>;
}

let recorders = 0;

/** Records every command the client sends from now on, and the region it signs for. */
function recordRequests(client: KMSClient): SentRequest[] {
  const sent: SentRequest[] = [];
  recorders += 1;
  client.middlewareStack.add(
    (next, handlerContext) => async (args) => {
      sent.push({
        command: String(handlerContext.commandName),
        region: await client.config.region(),
        input: args.input as Record<string, unknown>,
      });
      return next(args);
    },
    { step: 'initialize', name: `recordRequests${recorders}` },
  );
  return sent;
}

describe('KmsSealer against moto', () => {
  const clients: KMSClient[] = [];
  let client: KMSClient;
  let sealer: KmsSealer;

  beforeAll(async () => {
    client = kmsClient(PRIMARY_REGION);
    clients.push(client);
    sealer = new KmsSealer({ client, keyArn: await createKeyArn(client) });
  });

  afterAll(() => {
    for (const c of clients) c.destroy();
  });

  it('opens what it sealed, under the same context', async () => {
    const sealed = await sealer.seal(secret(), context);
    expect(sealed.keyId).toBe(sealer.keyArn);
    expect(Buffer.from(sealed.ciphertext, 'base64').includes(secret())).toBe(false);
    await expect(sealer.open(sealed, context)).resolves.toEqual(secret());
  });

  it('binds the ciphertext to the encryption context of the port', async () => {
    const sealed = await sealer.seal(secret(), context);
    const direct = await client.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(sealed.ciphertext, 'base64'),
        EncryptionContext: { purpose: 'offline-eat', serial: '000987654321', generation: '7' },
      }),
    );
    expect(Buffer.from(direct.Plaintext ?? [])).toEqual(secret());
  });

  it.each<[string, SealingContext]>([
    ['another serial', { ...context, serial: '000987654322' }],
    ['another generation', { ...context, generation: 8 }],
    ['another purpose', { ...context, purpose: 'totp-seed' }],
  ])('refuses to open under %s', async (_label, other) => {
    const sealed = await sealer.seal(secret(), context);
    await expect(sealer.open(sealed, other)).rejects.toBeInstanceOf(SealedSecretRejectedError);
  });

  it('refuses a tampered ciphertext, without the SDK message', async () => {
    const sealed = await sealer.seal(secret(), context);
    const blob = Buffer.from(sealed.ciphertext, 'base64');
    blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 0x01;
    const tampered: SealedSecret = { ...sealed, ciphertext: blob.toString('base64') };
    const error = await sealer.open(tampered, context).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SealedSecretRejectedError);
    expect((error as Error).message).toBe('A sealed secret could not be opened');
    expect((error as Error).cause).toMatchObject({ operation: 'open', name: 'InvalidCiphertextException' });
  });

  it('is what the factory builds for kind "kms"', async () => {
    const built = await createSealer({ kind: 'kms', client, keyArn: sealer.keyArn });
    await expect(built.open(await sealer.seal(secret(), context), context)).resolves.toEqual(secret());
  });

  describe('with a multi-region key replicated to another region', () => {
    let primaryArn: string;
    let replicaArn: string;
    let replicaClient: KMSClient;

    beforeAll(async () => {
      primaryArn = await createKeyArn(client, true);
      const replicated = await client.send(
        // moto answers 500 to ReplicateKey given an ARN (it looks the id up unconverted): give the key id.
        new ReplicateKeyCommand({ KeyId: primaryArn.split(':key/')[1], ReplicaRegion: REPLICA_REGION }),
      );
      replicaArn = replicated.ReplicaKeyMetadata?.Arn ?? '';
      replicaClient = kmsClient(REPLICA_REGION);
      clients.push(replicaClient);
    });

    it('has a replica key in the replica region: same key id, its own ARN, pointing to the primary', async () => {
      expect(primaryArn).toMatch(new RegExp(`^arn:aws:kms:${PRIMARY_REGION}:\\d{12}:key/mrk-`));
      expect(replicaArn).toBe(primaryArn.replace(`:${PRIMARY_REGION}:`, `:${REPLICA_REGION}:`));
      const described = await replicaClient.send(new DescribeKeyCommand({ KeyId: replicaArn }));
      expect(described.KeyMetadata).toMatchObject({
        Arn: replicaArn,
        MultiRegion: true,
        MultiRegionConfiguration: { MultiRegionKeyType: 'REPLICA', PrimaryKey: { Arn: primaryArn } },
      });
    });

    it('seals in each region with that region’s key, calling only that region', async () => {
      const primary = new KmsSealer({ client, keyArn: primaryArn });
      const replica = new KmsSealer({ client: replicaClient, keyArn: replicaArn });
      const sent = recordRequests(replicaClient);

      await expect(primary.seal(secret(), context)).resolves.toMatchObject({ keyId: primaryArn });
      await expect(replica.seal(secret(), context)).resolves.toMatchObject({ keyId: replicaArn });
      expect(sent).toEqual([
        {
          command: 'EncryptCommand',
          region: REPLICA_REGION,
          input: expect.objectContaining({
            KeyId: replicaArn,
            EncryptionContext: encryptionContextOf(context),
          }),
        },
      ]);
    });

    it('opens in the replica region what the primary sealed, with one Decrypt to that region naming the replica key', async () => {
      const sealed = await new KmsSealer({ client, keyArn: primaryArn }).seal(secret(), context);
      const replica = new KmsSealer({ client: replicaClient, keyArn: replicaArn });
      const sent = recordRequests(replicaClient);

      expect((await replica.open(sealed, context)).toString('utf8')).toBe(secret().toString('utf8'));
      expect(sent).toEqual([
        {
          command: 'DecryptCommand',
          region: REPLICA_REGION,
          input: expect.objectContaining({
            KeyId: replicaArn,
            CiphertextBlob: Buffer.from(sealed.ciphertext, 'base64'),
            EncryptionContext: encryptionContextOf(context),
          }),
        },
      ]);
    });

    it('refuses in the replica region a code sealed for another generation', async () => {
      const sealed = await new KmsSealer({ client, keyArn: primaryArn }).seal(secret(), context);
      const replica = new KmsSealer({ client: replicaClient, keyArn: replicaArn });
      await expect(
        replica.open(sealed, { ...context, generation: context.generation + 1 }),
      ).rejects.toBeInstanceOf(SealedSecretRejectedError);
    });
  });
});

describe('KmsSealer when KMS stops answering', () => {
  it('throws a retryable DependencyUnavailableError, without the SDK message', async () => {
    const moto = await startMotoServer();
    const client = kmsClient(PRIMARY_REGION, moto.endpoint, 2);
    try {
      const sealer = new KmsSealer({ client, keyArn: await createKeyArn(client) });
      const sealed = await sealer.seal(secret(), context);

      await moto.stop();

      const calls = [() => sealer.seal(secret(), context), () => sealer.open(sealed, context)];
      for (const call of calls) {
        const error = await call().then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DependencyUnavailableError);
        expect(error).toMatchObject({ retryable: true, code: 'DEPENDENCY_UNAVAILABLE' });
        expect(statusOf((error as AppError).code)).toBe(503);
        expect((error as Error).message).toBe('KMS is unavailable');
        expect((error as Error).cause).toMatchObject({ attempts: 2, code: 'ECONNREFUSED' });
      }
    } finally {
      client.destroy();
      await moto.stop();
    }
  });
});
