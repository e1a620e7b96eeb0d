/**
 * Regions of a global table for the tests: each region its own table on the run's DynamoDB Local, its own
 * store and use-case dependencies (one sealer and one pepper, as with KMS multi-region keys, and one clock), fed both
 * ways by the local last-writer-wins replicator (local/replicator.ts).
 */
import { DynamoDbClientBudget } from '../../../shared/adapters/dynamodb/dynamodb-client-budget';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { Replicator } from '../../../local/replicator';
import { LocalPepper } from '../../../shared/adapters/pepper';
import { ensureLocalKeyFile, LocalSealer } from '../../../shared/adapters/sealing';
import type { Token } from '../../../shared/domain/model';
import { DEFAULT_OFFLINE_POLICY } from '../../../shared/domain/policy';
import { decodeBase32 } from '../../../shared/domain/totp';
import { createVerifier } from '../../../shared/domain/verifier';
import type { Pepper } from '../../../shared/ports/pepper';
import type { Sealer } from '../../../shared/ports/sealer';
import type { UseCaseDependencies } from '../../../shared/use-cases/context';
import { createTestTable, type TestTable } from '../../support/table';
import { PRODUCTION_KDF_COST } from '../../../shared/domain/verifier';

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
        kdf: PRODUCTION_KDF_COST,
        clientBudget: new DynamoDbClientBudget(table.client, {
          tableName: table.tableName,
          regionName: name,
          limit: 100_000,
          windowSeconds: 60,
        }),
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

/** The one token the region tests play with (Alice's of the demo data). */
export const ALICE = {
  serial: '000100000001',
  userId: 'alice',
  firstName: 'Alice',
  lastName: 'Archer',
  securityDomain: 'SystemDomain',
  pin: '2468',
  seed: 'JBSWY3DPEHPK3PXP',
} as const;

/** One sealing key and one pepper key for every region, as KMS multi-region keys; and the token sealed once. */
export interface TestKeys {
  sealer: LocalSealer;
  pepper: LocalPepper;
  token: Token;
  dispose(): void;
}

export async function createTestKeys(): Promise<TestKeys> {
  const dir = mkdtempSync(join(tmpdir(), 'eat-regions-'));
  const keyFile = join(dir, 'sealing.key');
  await ensureLocalKeyFile(keyFile);
  const sealer = await LocalSealer.fromKeyFile(keyFile);
  const pepper = await LocalPepper.fromKeyFile(join(dir, 'pepper.key'), true);
  const { serial } = ALICE;
  const token: Token = {
    serial,
    kind: 'securid',
    enabled: true,
    user: { userId: ALICE.userId, firstName: ALICE.firstName, lastName: ALICE.lastName },
    securityDomain: ALICE.securityDomain,
    digits: 6,
    sealedSeed: await sealer.seal(decodeBase32(ALICE.seed), { purpose: 'totp-seed', serial, generation: 0 }),
    pinVerifier: await createVerifier(ALICE.pin),
    lastOnlineAuthenticationAt: null,
    version: 0,
  };
  return { sealer, pepper, token, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Alice's domain (single use, so that spending a code is exercised too), user and token, and an
 * offline-capable agent `agent-<n>` per region, written in one region.
 */
export async function seedToken(region: TestRegion, token: Token, agents: number): Promise<void> {
  const { store } = region.deps;
  const offlinePolicy = { ...DEFAULT_OFFLINE_POLICY, singleUse: true };
  await store.saveSecurityDomain({
    id: ALICE.securityDomain,
    name: ALICE.securityDomain,
    offlinePolicy,
    version: 0,
  });
  for (let n = 0; n < agents; n++) {
    await store.saveAgent({
      agentId: `agent-${n}`,
      name: `Agent ${n}`,
      supportsOfflineAuthentication: true,
      version: 0,
    });
  }
  const { userId, firstName, lastName, securityDomain } = ALICE;
  await store.saveUser({ userId, firstName, lastName, securityDomain, version: 0 });
  await store.saveToken(token);
}
