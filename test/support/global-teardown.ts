/** Global teardown of the `integration` project: stops the engines global-setup.ts started. */
import './global-setup';

export default async function globalTeardown(): Promise<void> {
  const engines = globalThis.__INTEGRATION_ENGINES__;
  globalThis.__INTEGRATION_ENGINES__ = undefined;
  if (engines === undefined) return;
  await Promise.all([engines.dynamoDb.stop(), engines.kms.stop()]);
}
