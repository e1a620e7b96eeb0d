import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbReplicaReader, type RegionTable } from '../shared/adapters/dynamodb/dynamodb-replica-reader';
import type { ReplicaReader } from '../shared/ports/replica-reader';
import type { FunctionConfig } from './config';
import { traced } from './observability';

/**
 * The regions whose tables the regions' view reads, from `REPLICATION_REGIONS`, read once at cold start:
 * a comma-separated list of regions, each `name` (the global table's replica there, under TABLE_NAME) or
 * `name=table` (a table of its own, as the local system's regions have). The function's own region is
 * always one of them; without the variable it is the only one.
 */
export function replicationRegions(
  config: Pick<FunctionConfig, 'tableName' | 'regionName'>,
  value: string | undefined = process.env.REPLICATION_REGIONS,
): { region: string; tableName: string }[] {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [region, tableName, extra] = entry.split('=').map((part) => part.trim());
      if (!region || tableName === '' || extra !== undefined || !/^[a-z0-9-]{1,64}$/.test(region)) {
        throw new Error(`REPLICATION_REGIONS: "${entry}" is not a region or region=table`);
      }
      return { region, tableName: tableName ?? config.tableName };
    });
  if (new Set(entries.map((e) => e.region)).size !== entries.length) {
    throw new Error('REPLICATION_REGIONS names a region twice');
  }
  const own = entries.some((e) => e.region === config.regionName);
  return own ? entries : [{ region: config.regionName, tableName: config.tableName }, ...entries];
}

/**
 * A reader with one DynamoDB client per region, made once per process and traced as the others are. Short timeouts and one retry: a
 * region that does not answer is shown as unreachable within seconds instead of holding the page.
 */
export function replicaReaderFrom(
  config: Pick<FunctionConfig, 'tableName' | 'regionName' | 'dynamoDbEndpoint'>,
): ReplicaReader {
  const tables: RegionTable[] = replicationRegions(config).map(({ region, tableName }) => ({
    region,
    tableName,
    client: traced(
      new DynamoDBClient({
        // Locally every region's table is in one DynamoDB Local, whose region is the process's.
        region: config.dynamoDbEndpoint ? (process.env.AWS_REGION ?? 'us-east-1') : region,
        ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
        maxAttempts: 2,
        requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
      }),
    ),
  }));
  return new DynamoDbReplicaReader(tables);
}
