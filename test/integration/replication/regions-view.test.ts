/**
 * The regions' view of a change (issue 17) over two regions' tables on DynamoDB Local and the local
 * replicator: a save is pending in the other region until the replicator has copied it, then replicated;
 * a region whose table does not answer is unreachable.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbReplicaReader } from '../../../shared/adapters/dynamodb/dynamodb-replica-reader';
import type { ReplicationView } from '../../../shared/domain/replication';
import type { AdminActor, UseCaseDependencies } from '../../../shared/use-cases/context';
import { setTokenEnabled } from '../../../shared/use-cases/management';
import { replicationStatus } from '../../../shared/use-cases/replication-status';
import { createTestTable } from '../../support/table';
import {
  ALICE,
  createTestKeys,
  seedToken,
  startTestRegions,
  type TestKeys,
  type TestRegions,
} from './regions';

const JANE: AdminActor = { id: 'jane.admin', domains: '*', requestId: 'regions-view-test' };

let keys: TestKeys;
let world: TestRegions;
let reader: DynamoDbReplicaReader;

const depsOf = (index: number): UseCaseDependencies & { replicas: DynamoDbReplicaReader } => ({
  ...world.regions[index]!.deps,
  replicas: reader,
});
const statesOf = (view: ReplicationView) => Object.fromEntries(view.regions.map((r) => [r.region, r.state]));

beforeAll(async () => {
  keys = await createTestKeys();
  world = await startTestRegions({
    names: ['region-a', 'region-b'],
    sealer: keys.sealer,
    pepper: keys.pepper,
    clock: () => new Date(),
    delayMs: 0,
  });
  reader = new DynamoDbReplicaReader(
    world.regions.map((r) => ({ region: r.name, client: r.table.client, tableName: r.table.tableName })),
  );
  await seedToken(world.regions[0]!, keys.token, 1);
  await world.replicator.settle();
});

afterAll(async () => {
  await world?.stop();
  keys?.dispose();
});

it('shows a save pending in the other region until the replicator copies it, then replicated', async () => {
  const a = depsOf(0);
  expect(statesOf(await replicationStatus(a, JANE, ALICE.serial))).toEqual({
    'region-a': 'origin',
    'region-b': 'replicated',
  });

  // A partition from region-a to region-b: the save cannot have reached region-b, whatever the timing.
  world.replicator.hold('region-a', 'region-b');
  await setTokenEnabled(a, JANE, ALICE.serial, false, undefined);
  const pending = await replicationStatus(a, JANE, ALICE.serial);
  expect(statesOf(pending)).toEqual({ 'region-a': 'origin', 'region-b': 'pending' });
  expect(pending.replicatedEverywhere).toBe(false);
  expect(pending.written).toContainEqual({
    item: 'administrators-settings',
    version: 1,
    changedAt: expect.any(String),
  });
  expect(pending.regions.find((r) => r.region === 'region-b')!.items).toContainEqual({
    item: 'administrators-settings',
    version: 0,
  });
  // Read from region-b's own table: region-b has not seen region-a's save either.
  const fromB = await replicationStatus(depsOf(1), JANE, ALICE.serial);
  expect(fromB.regions.find((r) => r.region === 'region-b')!.state).toBe('origin');

  world.replicator.release('region-a', 'region-b');
  await world.replicator.settle();
  const replicated = await replicationStatus(a, JANE, ALICE.serial);
  expect(statesOf(replicated)).toEqual({ 'region-a': 'origin', 'region-b': 'replicated' });
  expect(replicated.replicatedEverywhere).toBe(true);
  expect(replicated.changedAt).toBe(pending.changedAt);
});

it("follows each region's own saves: one made in region-b is pending in region-a until copied", async () => {
  const b = depsOf(1);
  world.replicator.hold('region-b', 'region-a');
  await setTokenEnabled(b, JANE, ALICE.serial, true, undefined);
  const view = await replicationStatus(b, JANE, ALICE.serial);
  expect(view.writtenIn).toBe('region-b');
  expect(statesOf(view)).toEqual({ 'region-a': 'pending', 'region-b': 'origin' });
  world.replicator.release('region-b', 'region-a');
  await world.replicator.settle();
  expect(statesOf(await replicationStatus(b, JANE, ALICE.serial))['region-a']).toBe('replicated');
});

it('says when the settings were last changed, and nothing secret', async () => {
  const view = await replicationStatus(depsOf(1), JANE, ALICE.serial);
  const age = Date.parse(view.checkedAt) - Date.parse(view.changedAt!);
  expect(age).toBeGreaterThanOrEqual(0);
  expect(age).toBeLessThan(120_000);
  expect(JSON.stringify(view)).not.toMatch(/verifier|sealed|pinRegister|seed/i);
  // No failure and no unlock in region-b: it never wrote a lockout item.
  expect(view.written).toContainEqual({ item: 'lockout', version: 0, changedAt: null });
});

it('shows a region whose table does not answer (no engine there, or no replica yet) as unreachable', async () => {
  const missing = await createTestTable();
  await missing.drop();
  const nowhere = new DynamoDBClient({
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const replicas = new DynamoDbReplicaReader([
    ...world.regions.map((r) => ({ region: r.name, client: r.table.client, tableName: r.table.tableName })),
    { region: 'region-down', client: nowhere, tableName: 'any' },
    { region: 'region-new', client: missing.client, tableName: missing.tableName },
  ]);
  const view = await replicationStatus({ ...depsOf(0), replicas }, JANE, ALICE.serial);
  expect(statesOf(view)).toEqual({
    'region-a': 'origin',
    'region-b': 'replicated',
    'region-down': 'unreachable',
    'region-new': 'unreachable',
  });
  expect(view.replicatedEverywhere).toBe(false);
  nowhere.destroy();
});
