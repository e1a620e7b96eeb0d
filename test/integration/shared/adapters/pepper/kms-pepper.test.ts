/**
 * The KMS pepper against the run's moto server (5.2.5 implements GenerateMac and VerifyMac for HMAC keys,
 * and multi-region replicas that share the primary's key material), and the peppered emergency code
 * verifier built on it: a verifier from a table backup does not match without the key.
 */
import { CreateKeyCommand, KMSClient, ReplicateKeyCommand, VerifyMacCommand } from '@aws-sdk/client-kms';
import { KmsPepper, LocalPepper, PEPPER_MAC_ALGORITHM } from '../../../../../shared/adapters/pepper';
import { DependencyUnavailableError } from '../../../../../shared/domain/errors';
import { PRODUCTION_KDF_COST, verifySecret } from '../../../../../shared/domain/verifier';
import { pepperMessageOf, type PepperContext } from '../../../../../shared/ports/pepper';
import { createCodeVerifier, verifyCode } from '../../../../../shared/use-cases/code-verifier';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const context: PepperContext = {
  purpose: 'offline-eat',
  serial: '000987654321',
  generation: 7,
  assignmentEpoch: 0,
};
const CODE = 'K7QM2XHPR4TW';

function endpoint(): string {
  const value = process.env.KMS_ENDPOINT;
  if (!value)
    throw new Error('KMS_ENDPOINT is not set: run the integration project, whose global setup starts moto');
  return value;
}

const clients: KMSClient[] = [];
function kmsClient(region: string): KMSClient {
  const client = new KMSClient({ region, endpoint: endpoint(), credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
}
afterAll(() => clients.forEach((c) => c.destroy()));

async function hmacKeyArn(client: KMSClient, multiRegion: boolean): Promise<string> {
  const created = await client.send(
    new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', MultiRegion: multiRegion }),
  );
  return created.KeyMetadata!.Arn!;
}

describe('KmsPepper against moto', () => {
  let client: KMSClient;
  let pepper: KmsPepper;

  beforeAll(async () => {
    client = kmsClient('us-east-1');
    pepper = new KmsPepper(client, await hmacKeyArn(client, true));
  });

  it('is HMAC-SHA256 of the bound message under the KMS key: KMS VerifyMac agrees', async () => {
    const { mac, keyId } = await pepper.mac(Buffer.from(CODE), context);
    expect(mac).toHaveLength(32);
    expect(keyId).toBe(pepper.keyId);
    const verified = await client.send(
      new VerifyMacCommand({
        KeyId: pepper.keyId,
        Message: pepperMessageOf(Buffer.from(CODE), context),
        MacAlgorithm: PEPPER_MAC_ALGORITHM,
        Mac: mac,
      }),
    );
    expect(verified.MacValid).toBe(true);
  });

  it('binds the MAC to the token and generation, and is the same in a replica region', async () => {
    const { mac } = await pepper.mac(Buffer.from(CODE), context);
    expect((await pepper.mac(Buffer.from(CODE), { ...context, generation: 8 })).mac.equals(mac)).toBe(false);
    expect((await pepper.mac(Buffer.from(CODE), { ...context, assignmentEpoch: 1 })).mac.equals(mac)).toBe(
      false,
    );
    expect(
      (await pepper.mac(Buffer.from(CODE), { ...context, serial: '000987654322' })).mac.equals(mac),
    ).toBe(false);
    const replicaClient = kmsClient('eu-west-1');
    const replica = await client.send(
      new ReplicateKeyCommand({ KeyId: pepper.keyId, ReplicaRegion: 'eu-west-1' }),
    );
    const inReplica = new KmsPepper(replicaClient, replica.ReplicaKeyMetadata!.Arn!);
    expect((await inReplica.mac(Buffer.from(CODE), context)).mac.equals(mac)).toBe(true);
    // A code issued in one region is checked in another: the verifier names the key by its id, the same
    // in every region (by its ARN, which names the region, it would never match elsewhere).
    expect(inReplica.keyId).toBe(pepper.keyId);
    expect(pepper.keyId).toMatch(/^mrk-/);
    const verifier = await createCodeVerifier({ pepper }, context.serial, context.generation, CODE, 0);
    const issued = { serial: context.serial, generation: context.generation, verifier };
    expect(await verifyCode({ pepper: inReplica, kdf: PRODUCTION_KDF_COST }, issued, CODE, 0)).toBe(true);
  });

  it('peppers the stored verifier: it matches the code through KMS, and never the code alone or another key', async () => {
    const deps = { pepper, kdf: PRODUCTION_KDF_COST };
    const verifier = await createCodeVerifier(deps, context.serial, context.generation, CODE, 0);
    expect(verifier.pepperKeyId).toBe(pepper.keyId);
    const issued = { serial: context.serial, generation: context.generation, verifier };
    expect(await verifyCode(deps, issued, CODE, 0)).toBe(true);
    expect(await verifyCode(deps, issued, 'K7QM2XHPR4TX', 0)).toBe(false);
    // Once the token is unassigned (its assignment epoch moved on), the same code no longer matches.
    expect(await verifyCode(deps, issued, CODE, 1)).toBe(false);
    // What an attacker with a table backup can try without the key: the KDF over the code itself.
    expect(await verifySecret(CODE, verifier)).toBe(false);
    // Another HMAC key (a local one, as a stolen copy of the wrong key would be) gives nothing either.
    const other = { pepper: new LocalPepper(Buffer.alloc(32, 7)), kdf: PRODUCTION_KDF_COST };
    expect(await verifyCode(other, issued, CODE, 0)).toBe(false);
  });

  it('refuses a key that is not an HMAC key, as an unavailable dependency', async () => {
    const encryptionKey = await client.send(new CreateKeyCommand({}));
    const wrong = new KmsPepper(client, encryptionKey.KeyMetadata!.Arn!);
    await expect(wrong.mac(Buffer.from(CODE), context)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
