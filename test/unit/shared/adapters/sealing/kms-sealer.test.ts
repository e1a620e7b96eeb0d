/**
 * The KMS adapter's own logic, with a stub client: error mapping, input checks, no copy of the plaintext.
 * The adapter against a real KMS-compatible server is in test/integration/shared/adapters/sealing/kms-sealer.test.ts.
 */
import {
  DecryptCommand,
  DependencyTimeoutException,
  DisabledException,
  EncryptCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KeyUnavailableException,
  KMSInternalException,
  KMSInvalidStateException,
  KMSServiceException,
  NotFoundException,
  type KMSClient,
} from '@aws-sdk/client-kms';
import {
  AppError,
  DependencyUnavailableError,
  SealedSecretRejectedError,
} from '../../../../../shared/domain/errors';
import { KmsSealer, kmsError } from '../../../../../shared/adapters/sealing/kms-sealer';
import type { SealingContext } from '../../../../../shared/ports/sealer';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab';
const SDK_TEXT = 'secret-looking SDK text';
const context: SealingContext = { purpose: 'totp-seed', serial: '000111222333', generation: 0 };
const metadata = { $metadata: { httpStatusCode: 400, requestId: 'req-1', attempts: 1 } };

function stubClient(send: (command: unknown) => Promise<unknown>): KMSClient {
  return { send } as unknown as KMSClient;
}

function serviceError(name: string, fault: 'client' | 'server', httpStatusCode: number): KMSServiceException {
  return new KMSServiceException({ name, $fault: fault, message: SDK_TEXT, $metadata: { httpStatusCode } });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:443 ${SDK_TEXT}`), {
    code,
    $metadata: { attempts: 3 },
  });
}

describe('kmsError', () => {
  it.each([
    ['InvalidCiphertextException', new InvalidCiphertextException({ message: SDK_TEXT, ...metadata })],
    ['IncorrectKeyException', new IncorrectKeyException({ message: SDK_TEXT, ...metadata })],
  ])('reports %s on open as a rejected secret', (_name, error) => {
    const mapped = kmsError(error, 'open');
    expect(mapped).toBeInstanceOf(SealedSecretRejectedError);
    expect(mapped.retryable).toBe(false);
  });

  it.each<[string, unknown]>([
    ['KMSInternalException', new KMSInternalException({ message: SDK_TEXT, ...metadata })],
    ['DependencyTimeoutException', new DependencyTimeoutException({ message: SDK_TEXT, ...metadata })],
    ['KeyUnavailableException', new KeyUnavailableException({ message: SDK_TEXT, ...metadata })],
    ['ThrottlingException', serviceError('ThrottlingException', 'client', 400)],
    ['an unknown 5xx', serviceError('SomethingNew', 'server', 503)],
    ['ECONNREFUSED', socketError('ECONNREFUSED')],
    ['ECONNRESET', socketError('ECONNRESET')],
    ['ETIMEDOUT', socketError('ETIMEDOUT')],
    ['a request timeout', Object.assign(new Error(SDK_TEXT), { name: 'TimeoutError', $metadata: {} })],
    [
      'a socket error the SDK wrapped',
      Object.assign(new Error(`AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1`), {
        $metadata: { attempts: 2 },
      }),
    ],
    [
      'an AggregateError of socket errors',
      new AggregateError([socketError('ECONNREFUSED'), socketError('ENETUNREACH')], SDK_TEXT),
    ],
  ])('reports %s as a retryable outage', (_name, error) => {
    for (const operation of ['seal', 'open'] as const) {
      const mapped = kmsError(error, operation);
      expect(mapped).toBeInstanceOf(DependencyUnavailableError);
      expect(mapped.retryable).toBe(true);
      expect(mapped.code).toBe('DEPENDENCY_UNAVAILABLE');
    }
  });

  it.each<[string, unknown]>([
    ['DisabledException', new DisabledException({ message: SDK_TEXT, ...metadata })],
    ['KMSInvalidStateException', new KMSInvalidStateException({ message: SDK_TEXT, ...metadata })],
    ['NotFoundException', new NotFoundException({ message: SDK_TEXT, ...metadata })],
    ['AccessDeniedException', serviceError('AccessDeniedException', 'client', 400)],
    [
      'InvalidCiphertextException on seal',
      new InvalidCiphertextException({ message: SDK_TEXT, ...metadata }),
    ],
    ['a non-SDK error', new TypeError(SDK_TEXT)],
  ])('reports %s as an outage that retrying will not cure', (_name, error) => {
    const mapped = kmsError(error, 'seal');
    expect(mapped).toBeInstanceOf(DependencyUnavailableError);
    expect(mapped.retryable).toBe(false);
  });

  it('keeps the SDK message out of the error and of its cause', () => {
    for (const error of [
      new InvalidCiphertextException({ message: SDK_TEXT, ...metadata }),
      new DisabledException({ message: SDK_TEXT, ...metadata }),
      socketError('ECONNREFUSED'),
    ]) {
      const mapped = kmsError(error, 'open');
      expect(mapped.message).not.toContain(SDK_TEXT);
      expect(JSON.stringify(mapped.cause)).not.toContain(SDK_TEXT);
      expect(JSON.stringify(mapped)).not.toContain(SDK_TEXT);
    }
    expect(kmsError(new DisabledException({ message: SDK_TEXT, ...metadata }), 'seal').cause).toEqual({
      operation: 'seal',
      name: 'DisabledException',
      fault: 'client',
      httpStatusCode: 400,
      requestId: 'req-1',
      attempts: 1,
    });
  });
});

describe('KmsSealer', () => {
  it('needs a key ARN', () => {
    const client = stubClient(async () => ({}));
    expect(() => new KmsSealer({ client, keyArn: 'alias/eat' })).toThrow(AppError);
    expect(() => new KmsSealer({ client, keyArn: 'mrk-1234' })).toThrow(AppError);
  });

  it('encrypts and decrypts under this region’s key with the context of the port', async () => {
    const sent: unknown[] = [];
    const plaintext = new Uint8Array([1, 2, 3]);
    const sealer = new KmsSealer({
      keyArn: KEY_ARN,
      client: stubClient(async (command) => {
        sent.push(command);
        return command instanceof EncryptCommand
          ? { CiphertextBlob: new Uint8Array([9, 9, 9]), KeyId: KEY_ARN }
          : { Plaintext: plaintext, KeyId: KEY_ARN };
      }),
    });
    const sealed = await sealer.seal(new Uint8Array([1, 2, 3]), context);
    expect(sealed).toEqual({ keyId: KEY_ARN, ciphertext: Buffer.from([9, 9, 9]).toString('base64') });
    const opened = await sealer.open(sealed, context);
    expect(opened).toEqual(Buffer.from([1, 2, 3]));

    const expectedContext = { purpose: 'totp-seed', serial: '000111222333', generation: '0' };
    expect(sent[0]).toBeInstanceOf(EncryptCommand);
    expect((sent[0] as EncryptCommand).input).toMatchObject({
      KeyId: KEY_ARN,
      EncryptionContext: expectedContext,
    });
    expect(sent[1]).toBeInstanceOf(DecryptCommand);
    expect((sent[1] as DecryptCommand).input).toMatchObject({
      KeyId: KEY_ARN,
      EncryptionContext: expectedContext,
    });

    // No copy of the plaintext: wiping what open returned wipes the SDK's buffer.
    opened.fill(0);
    expect(Array.from(plaintext)).toEqual([0, 0, 0]);
  });

  it('refuses an empty or oversized ciphertext without calling KMS, and an empty plaintext', async () => {
    const send = jest.fn(async () => ({}));
    const sealer = new KmsSealer({ keyArn: KEY_ARN, client: stubClient(send) });
    await expect(sealer.open({ keyId: KEY_ARN, ciphertext: '' }, context)).rejects.toBeInstanceOf(
      SealedSecretRejectedError,
    );
    const huge = Buffer.alloc(6145, 1).toString('base64');
    await expect(sealer.open({ keyId: KEY_ARN, ciphertext: huge }, context)).rejects.toBeInstanceOf(
      SealedSecretRejectedError,
    );
    await expect(sealer.seal(new Uint8Array(0), context)).rejects.toThrow(/1 to 4096 bytes/);
    expect(send).not.toHaveBeenCalled();
  });

  it('maps what the client throws', async () => {
    const sealer = new KmsSealer({
      keyArn: KEY_ARN,
      client: stubClient(async () => {
        throw new KMSInternalException({ message: SDK_TEXT, ...metadata });
      }),
    });
    await expect(sealer.seal(new Uint8Array([1]), context)).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      retryable: true,
    });
  });
});
