/**
 * Global setup of the `integration` project: one DynamoDB Local (in memory) and one moto server (KMS) for
 * the whole run. Their endpoints reach the test workers through the environment (workers start after this
 * and inherit it); the handles stay on globalThis for global-teardown.ts.
 *
 * The AWS environment is pinned to dummy values so that no test can reach real AWS: dummy credentials,
 * a fixed region, no profile or config file, no instance metadata, and the standard per-service endpoint
 * variables pointing at the local engines (a client built without an explicit endpoint still goes local).
 */
import { startDynamoDbLocal, type EngineHandle } from '../../local/engines';
import { startMotoServer } from './engines';

export const TEST_REGION = 'us-east-1';

export interface IntegrationEngines {
  dynamoDb: EngineHandle;
  kms: EngineHandle;
}

declare global {
  var __INTEGRATION_ENGINES__: IntegrationEngines | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const [dynamoDb, kms] = await Promise.allSettled([
    startDynamoDbLocal({ inMemory: true }),
    startMotoServer(),
  ]);
  if (dynamoDb.status === 'rejected' || kms.status === 'rejected') {
    await Promise.all([dynamoDb, kms].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw dynamoDb.status === 'rejected' ? dynamoDb.reason : (kms as PromiseRejectedResult).reason;
  }
  globalThis.__INTEGRATION_ENGINES__ = { dynamoDb: dynamoDb.value, kms: kms.value };

  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: dynamoDb.value.endpoint,
    KMS_ENDPOINT: kms.value.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.value.endpoint,
    AWS_ENDPOINT_URL_KMS: kms.value.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: TEST_REGION,
    AWS_DEFAULT_REGION: TEST_REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    // Lambda runs Node 22+; the SDK's notice about this machine's Node 20 is noise in test output.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  });
  for (const name of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ENDPOINT_URL']) {
    delete process.env[name];
  }

  if (process.env.ENGINES_TIMING === '1') {
    process.stderr.write(`\nintegration engines started in ${Date.now() - started} ms\n`);
  }
}
