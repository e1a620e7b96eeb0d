import { statusOf } from '../../../../../functions/api/contract/statuses';
import { DependencyUnavailableError, type AppError } from '../../../../../shared/domain/errors';
import { startDynamoDbLocal } from '../../../../../local/engines';
import { aToken } from '../../../../support/fixtures';
import { createTestTable, localDynamoDbClient } from '../../../../support/table';

describe('DynamoDbTokenStore when DynamoDB stops answering', () => {
  it('throws a retryable DependencyUnavailableError that carries no item data', async () => {
    // A DynamoDB Local of its own, so stopping it does not disturb the other test files.
    const engine = await startDynamoDbLocal({ inMemory: true });
    const client = localDynamoDbClient(engine.endpoint, 2);
    try {
      const { store } = await createTestTable(client);
      const token = await store.saveToken(aToken({ serial: 'OUTAGE000001' }));
      expect(await store.getToken(token.serial)).toEqual(token);

      await engine.stop();

      for (const call of [() => store.getTokenState(token.serial), () => store.saveToken(token)]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DependencyUnavailableError);
        expect(error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
        expect(statusOf((error as AppError).code)).toBe(503);
        expect((error as Error).message).toBe('DynamoDB is unavailable');
      }
    } finally {
      client.destroy();
      await engine.stop();
    }
  });
});
