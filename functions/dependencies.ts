import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDbClientBudget } from '../shared/adapters/dynamodb/dynamodb-client-budget';
import { DynamoDbTokenStore } from '../shared/adapters/dynamodb/dynamodb-token-store';
import { createPepper } from '../shared/adapters/pepper';
import { DependencyUnavailableError } from '../shared/domain/errors';
import { createSealer } from '../shared/adapters/sealing';
import { DynamoDbAuditChainStore } from '../shared/adapters/dynamodb/dynamodb-audit-chain';
import { KmsSigner } from '../shared/adapters/signing/kms-signer';
import { LocalSigner } from '../shared/adapters/signing/local-signer';
import type { Pepper } from '../shared/ports/pepper';
import type { Signer } from '../shared/ports/signer';
import type { Sealer } from '../shared/ports/sealer';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { loadConfig, type FunctionConfig } from './config';
import { traced } from './observability';
import { PRODUCTION_KDF_COST } from '../shared/domain/verifier';

/** A sealer built on first use (the local key file is read asynchronously), then kept for the process. */
function lazySealer(build: () => Promise<Sealer>): Sealer {
  let sealer: Promise<Sealer> | undefined;
  const get = () =>
    (sealer ??= build().catch((error: unknown) => {
      sealer = undefined;
      throw error;
    }));
  return {
    seal: async (plaintext, context) => (await get()).seal(plaintext, context),
    open: async (sealed, context) => (await get()).open(sealed, context),
  };
}

/** The pepper, built on first use as the sealer is, then kept for the process. */
function lazyPepper(build: () => Promise<Pepper>): Pepper {
  let pepper: Promise<Pepper> | undefined;
  const get = () =>
    (pepper ??= build().catch((error: unknown) => {
      pepper = undefined;
      throw error;
    }));
  return { mac: async (secret, context) => (await get()).mac(secret, context) };
}

/** The audit signer, built on first use (a local key pair file is read, or created, asynchronously). */
function lazySigner(build: () => Promise<Signer>): Signer {
  let signer: Promise<Signer> | undefined;
  const get = () =>
    (signer ??= build().catch((error: unknown) => {
      signer = undefined;
      throw error;
    }));
  return {
    sign: async (message) => (await get()).sign(message),
    publicKey: async () => (await get()).publicKey(),
  };
}

/** The clients and adapters of one process, made once at cold start from the configuration. */
export function dependenciesFrom(config: FunctionConfig): UseCaseDependencies {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const dynamoDb = traced(
    new DynamoDBClient({ region, ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}) }),
  );
  const sealerConfig = config.sealer;
  let kms: KMSClient | undefined;
  const kmsClient = () =>
    (kms ??= traced(
      new KMSClient({ region, ...(config.kmsEndpoint ? { endpoint: config.kmsEndpoint } : {}) }),
    ));
  const sealer =
    sealerConfig.kind === 'kms'
      ? lazySealer(() => createSealer({ kind: 'kms', keyArn: sealerConfig.keyArn, client: kmsClient() }))
      : lazySealer(() => createSealer({ kind: 'local', keyFile: sealerConfig.keyFile }));
  const pepperConfig = config.pepper;
  const pepper =
    pepperConfig.kind === 'kms'
      ? lazyPepper(async () => {
          const keyArn = pepperConfig.keyArn;
          if (keyArn === undefined) throw new DependencyUnavailableError('KMS', { retryable: false });
          return createPepper({ kind: 'kms', keyArn, client: kmsClient() });
        })
      : lazyPepper(() => createPepper({ kind: 'local', keyFile: pepperConfig.keyFile, createKeyFile: true }));
  const signerConfig = config.auditSigner;
  const signer =
    signerConfig.kind === 'kms'
      ? lazySigner(async () => {
          if (signerConfig.keyArn === undefined)
            throw new DependencyUnavailableError('the audit signing key', { retryable: false });
          return new KmsSigner(kmsClient(), signerConfig.keyArn);
        })
      : lazySigner(() => LocalSigner.fromKeyFile(signerConfig.keyFile));
  return {
    store: new DynamoDbTokenStore(dynamoDb, { tableName: config.tableName }),
    auditChain: new DynamoDbAuditChainStore(dynamoDb, config.tableName),
    signer,
    sealer,
    pepper,
    clock: () => new Date(),
    regionName: config.regionName,
    policyCaps: { maxEmergencyCodeLifetimeDays: config.maxEmergencyCodeLifetimeDays },
    kdf: PRODUCTION_KDF_COST,
    clientBudget: new DynamoDbClientBudget(dynamoDb, {
      tableName: config.tableName,
      regionName: config.regionName,
      limit: config.agentRequestsPerMinute,
      windowSeconds: 60,
    }),
  };
}

let production: UseCaseDependencies | undefined;

/** The process's dependencies from the environment; throws at cold start when the configuration is wrong. */
export function productionDependencies(): UseCaseDependencies {
  return (production ??= dependenciesFrom(loadConfig()));
}
