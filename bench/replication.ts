/**
 * The local replicator's figures (local/replicator.ts, what `npm start` runs between its regions): how long
 * a write takes to appear in the other table, how long settle() takes after one write, how fast a burst of
 * writes is delivered, and what a partition healed over many conflicting items costs.
 *
 * `npm run bench:replication`; REPLICATION_DELAY_MS (1000), BURST (1000), SINGLE_WRITES (10) and CONFLICTS
 * (100) change them. Starts its own DynamoDB Local in memory unless DYNAMODB_ENDPOINT is set. Prints the
 * figures and writes bench/results/replication.json. Not a test.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../shared/adapters/dynamodb/table-schema';
import { startDynamoDbLocal, type EngineHandle } from '../local/engines';
import { DEFAULT_REPLICATION_DELAY_MS, Replicator } from '../local/replicator';

const DELAY_MS = Number(process.env.REPLICATION_DELAY_MS ?? DEFAULT_REPLICATION_DELAY_MS);
const BURST = Number(process.env.BURST ?? 1000);
const SINGLE_WRITES = Number(process.env.SINGLE_WRITES ?? 10);
const CONFLICTS = Number(process.env.CONFLICTS ?? 100);

const item = (pk: string, by: string) => ({ pk: { S: pk }, sk: { S: 'ITEM' }, by: { S: by } });
const ms = (start: number) => Math.round(performance.now() - start);

export async function run(): Promise<unknown> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  let engine: EngineHandle | undefined;
  const endpoint =
    process.env.DYNAMODB_ENDPOINT ?? (engine = await startDynamoDbLocal({ inMemory: true })).endpoint;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const [east, west] = ['east', 'west'].map((name) => ({ name, client, tableName: `bench-${randomUUID()}` }));
  for (const { tableName } of [east!, west!])
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  const replicator = await Replicator.start({ regions: [east!, west!], delayMs: DELAY_MS });
  try {
    const lags: number[] = [];
    const settles: number[] = [];
    for (let i = 0; i < SINGLE_WRITES; i += 1) {
      await client.send(new PutItemCommand({ TableName: east!.tableName, Item: item(`ONE-${i}`, 'east') }));
      const written = performance.now();
      const key = { pk: { S: `ONE-${i}` }, sk: { S: 'ITEM' } };
      while (!(await client.send(new GetItemCommand({ TableName: west!.tableName, Key: key }))).Item);
      lags.push(ms(written));
      await replicator.settle();
      settles.push(ms(written));
    }

    const burstStart = performance.now();
    for (let i = 0; i < BURST; i += 25) {
      const requests = Array.from({ length: Math.min(25, BURST - i) }, (_, j) => ({
        PutRequest: { Item: item(`BURST-${i + j}`, 'east') },
      }));
      await client.send(new BatchWriteItemCommand({ RequestItems: { [east!.tableName]: requests } }));
    }
    const burstWritten = ms(burstStart);
    await replicator.settle(600_000);
    const burstSettled = ms(burstStart);

    replicator.hold();
    for (const region of [east!, west!]) {
      for (let i = 0; i < CONFLICTS; i += 1) {
        await client.send(
          new PutItemCommand({ TableName: region.tableName, Item: item(`BOTH-${i}`, region.name) }),
        );
      }
    }
    await replicator.settle();
    const healing = performance.now();
    replicator.release();
    await replicator.settle();
    const healed = ms(healing);
    const scan = async (tableName: string) => {
      const { Items: items = [] } = await client.send(
        new ScanCommand({ TableName: tableName, ConsistentRead: true }),
      );
      return JSON.stringify(items.map((i) => `${i.pk?.S}=${i.by?.S}`).sort());
    };
    const equal = (await scan(east!.tableName)) === (await scan(west!.tableName));

    const sorted = [...lags].sort((a, b) => a - b);
    const result = {
      delayMs: DELAY_MS,
      pollIntervalMs: 100,
      singleWrite: {
        writes: SINGLE_WRITES,
        visibleInOtherRegionMs: { min: sorted[0], median: sorted[sorted.length >> 1], max: sorted.at(-1) },
        settleAfterWriteMs: { min: Math.min(...settles), max: Math.max(...settles) },
      },
      burst: {
        items: BURST,
        writtenMs: burstWritten,
        settledMs: burstSettled,
        settledAfterLastWriteMs: burstSettled - burstWritten,
      },
      partition: { conflictingItems: CONFLICTS, settleAfterReleaseMs: healed, tablesEqual: equal },
      stats: replicator.stats(),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/replication.json', `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await replicator.stop();
    client.destroy();
    await engine?.stop();
  }
}

if (require.main === module)
  run().catch((error: unknown) => {
    process.stderr.write(
      `bench:replication failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
