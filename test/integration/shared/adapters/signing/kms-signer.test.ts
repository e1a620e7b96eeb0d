/**
 * The audit export's KMS signer against the run's moto server (5.2.5 implements Sign and GetPublicKey for
 * ECC_NIST_P256 keys): an export signed in KMS verifies offline with the key's public key, and not with
 * another key's.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { KmsSigner } from '../../../../../shared/adapters/signing/kms-signer';
import { linkAfter } from '../../../../../shared/domain/audit-chain';
import {
  AUDIT_EXPORT_FORMAT,
  signedPayloadOf,
  verifyAuditExport,
  type UnsignedExport,
} from '../../../../../shared/domain/audit-export';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function endpoint(): string {
  const value = process.env.KMS_ENDPOINT;
  if (!value)
    throw new Error('KMS_ENDPOINT is not set: run the integration project, whose global setup starts moto');
  return value;
}

const client = new KMSClient({ region: 'eu-west-1', endpoint: endpoint(), credentials, maxAttempts: 1 });
afterAll(() => client.destroy());

async function signingKey(): Promise<string> {
  const created = await client.send(
    new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
  );
  return created.KeyMetadata!.Arn!;
}

describe('KmsSigner against moto', () => {
  it('signs an export that verifies offline with the key’s public key, and only with it', async () => {
    const signer = new KmsSigner(client, await signingKey());
    const other = new KmsSigner(client, await signingKey());
    const link = linkAfter(null, {
      eventId: 'e1',
      serial: '000100000001',
      at: '2026-11-30T12:00:00.000Z',
      action: 'emergency-access.view',
      actor: 'jane.admin',
      region: 'eu-west-1',
      outcome: 'success',
      requestId: 'r1',
      details: { generation: 1 },
    });
    const unsigned: UnsignedExport = {
      format: AUDIT_EXPORT_FORMAT,
      serial: '000100000001',
      exportedAt: '2026-12-01T00:00:00.000Z',
      exportedBy: 'jane.admin',
      exportedIn: 'eu-west-1',
      chains: [{ region: 'eu-west-1', firstSeq: 1, links: [link] }],
    };
    const { keyId, signature } = await signer.sign(signedPayloadOf(unsigned));
    const { spki } = await signer.publicKey();
    const document = {
      ...unsigned,
      signature: {
        algorithm: 'ECDSA_SHA_256' as const,
        keyId,
        publicKey: spki.toString('base64'),
        value: signature.toString('base64'),
      },
    };
    expect(verifyAuditExport(document, spki)).toMatchObject({ ok: true, signature: 'valid' });
    expect(verifyAuditExport(document, (await other.publicKey()).spki)).toMatchObject({
      ok: false,
      signature: 'invalid',
    });
  });
});
