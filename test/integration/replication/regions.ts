/**
 * Regions of a global table for the tests: each region its own table on the run's DynamoDB Local, its own
 * store and use-case dependencies (one sealer and one pepper, as with KMS multi-region keys, and one clock), fed both
 * ways by the local last-writer-wins replicator (local/replicator.ts).
 */
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { Replicator } from '../../../local/replicator';
import type { Pepper } from '../../../shared/ports/pepper';
import type { Sealer } from '../../../shared/ports/sealer';
import type { UseCaseDependencies } from '../../../shared/use-cases/context';
import { createTestTable, type TestTable } from '../../support/table';

export interface TestRegion {
  name: string;
  table: TestTable;
  deps: UseCaseDependencies;
}

export interface TestRegions {
  regions: TestRegion[];
  replicator: Replicator;
  /** Every item of each region's table, in key order, as comparable text. */
  contents(): Promise<string[]>;
  stop(): Promise<void>;
}

type Item = Record<string, AttributeValue>;

export async function startTestRegions(options: {
  names: readonly string[];
  sealer: Sealer;
  pepper: Pepper;
  clock: () => Date;
  delayMs: number | ((from: string, to: string) => number);
  pollIntervalMs?: number;
}): Promise<TestRegions> {
  const regions: TestRegion[] = [];
  for (const name of options.names) {
    const table = await createTestTable();
    regions.push({
      name,
      table,
      deps: {
        store: table.store,
        sealer: options.sealer,
        pepper: options.pepper,
        clock: options.clock,
        regionName: name,
        policyCaps: { maxEmergencyCodeLifetimeDays: 90 },
      },
    });
  }
  const replicator = await Replicator.start({
    regions: regions.map((r) => ({ name: r.name, client: r.table.client, tableName: r.table.tableName })),
    delayMs: options.delayMs,
    pollIntervalMs: options.pollIntervalMs ?? 50,
  });
  const scan = async (region: TestRegion): Promise<string> => {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await region.table.client.send(
        new ScanCommand({
          TableName: region.table.tableName,
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return items.map(canonical).sort().join('\n');
  };
  return {
    regions,
    replicator,
    contents: () => Promise.all(regions.map(scan)),
    stop: async () => {
      await replicator.stop();
      for (const region of regions) await region.table.drop();
    },
  };
}

/** JSON with every object's keys in order, so that equal items print equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
