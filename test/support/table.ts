/** A fresh table in the run's DynamoDB Local (started once by the global setup) for one test file. */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbTokenStore } from '../../shared/adapters/dynamodb/dynamodb-token-store';
import { createTableInput } from '../../shared/adapters/dynamodb/table-schema';

export function localDynamoDbClient(
  endpoint = process.env.DYNAMODB_ENDPOINT,
  maxAttempts?: number,
): DynamoDBClient {
  if (!endpoint)
    throw new Error(
      'DYNAMODB_ENDPOINT is not set: run the integration project, whose global setup starts it',
    );
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
}

export interface TestTable {
  client: DynamoDBClient;
  tableName: string;
  store: DynamoDbTokenStore;
  drop(): Promise<void>;
}

export async function createTestTable(client: DynamoDBClient = localDynamoDbClient()): Promise<TestTable> {
  const tableName = `eat-test-${randomUUID()}`;
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  return {
    client,
    tableName,
    store: new DynamoDbTokenStore(client, { tableName }),
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}
