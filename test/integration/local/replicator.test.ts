/**
 * The local replicator (local/replicator.ts) between tables of the run's DynamoDB Local, as a global table
 * between regions: last writer wins per item, whole items, deletes included, partitions, three regions, and
 * no write sent back where it came from.
 */
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { Replicator, type ReplicationEvent, type ReplicatorOptions } from '../../../local/replicator';
import { createTestTable, localDynamoDbClient, type TestTable } from '../../support/table';

type Item = Record<string, AttributeValue>;

const POLL_MS = 50;

interface Harness {
  replicator: Replicator;
  events: ReplicationEvent[];
  put(region: string, pk: string, attributes: Record<string, string>): Promise<void>;
  remove(region: string, pk: string): Promise<void>;
  get(region: string, pk: string): Promise<Item | undefined>;
  /** Every item of the region's table, sorted by key. */
  contents(region: string): Promise<Item[]>;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function itemOf(pk: string, attributes: Record<string, string>): Item {
  return {
    pk: { S: pk },
    sk: { S: 'ITEM' },
    ...Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { S: value }])),
  };
}

async function harness(
  names: string[],
  options: Partial<ReplicatorOptions> = {},
  clientOf: (name: string, table: TestTable) => DynamoDBClient = (_, table) => table.client,
): Promise<Harness> {
  const tables = new Map<string, TestTable>();
  for (const name of names) {
    const table = await createTestTable();
    tables.set(name, table);
    cleanups.push(() => table.drop());
  }
  const table = (name: string) => tables.get(name)!;
  const events: ReplicationEvent[] = [];
  const replicator = await Replicator.start({
    regions: names.map((name) => ({
      name,
      client: clientOf(name, table(name)),
      tableName: table(name).tableName,
    })),
    pollIntervalMs: POLL_MS,
    delayMs: 0,
    onEvent: (event) => events.push(event),
    ...options,
  });
  cleanups.push(() => replicator.stop());
  return {
    replicator,
    events,
    put: async (region, pk, attributes) => {
      const { client, tableName } = table(region);
      await client.send(new PutItemCommand({ TableName: tableName, Item: itemOf(pk, attributes) }));
    },
    remove: async (region, pk) => {
      const { client, tableName } = table(region);
      await client.send(
        new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: 'ITEM' } } }),
      );
    },
    get: async (region, pk) => {
      const { client, tableName } = table(region);
      const key = { pk: { S: pk }, sk: { S: 'ITEM' } };
      return (await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true })))
        .Item;
    },
    contents: async (region) => {
      const { client, tableName } = table(region);
      const items: Item[] = [];
      let start: Item | undefined;
      do {
        const page = await client.send(
          new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      const key = (item: Item) => `${item.pk?.S}\u0000${item.sk?.S}`;
      return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    },
  };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Every region's table holds exactly the same items, and as many as expected. */
async function expectSameEverywhere(h: Harness, names: string[], count: number): Promise<Item[]> {
  const [first, ...others] = await Promise.all(names.map((name) => h.contents(name)));
  expect(first).toHaveLength(count);
  for (const other of others) expect(other).toEqual(first);
  return first!;
}

describe('the local replicator', () => {
  it('delivers a write to the other region once the delay has passed, and sends nothing back', async () => {
    const delayMs = 600;
    const h = await harness(['east', 'west'], { delayMs });
    const written = Date.now();
    await h.put('east', 'ONE', { colour: 'red' });
    let arrived: Item | undefined;
    while ((arrived = await h.get('west', 'ONE')) === undefined) await sleep(20);
    // A lower bound on when it may arrive: the configured delay, not a speed.
    expect(Date.now() - written).toBeGreaterThanOrEqual(delayMs);
    expect(arrived).toEqual(itemOf('ONE', { colour: 'red' }));

    await h.replicator.settle();
    await sleep(10 * POLL_MS);
    await h.replicator.settle();
    // The delivery's own record in west's stream was not taken for a new write: one delivery, no more.
    expect(h.replicator.stats()).toEqual({ applied: 1, superseded: 0, pending: 0 });
    expect(h.events).toEqual([{ kind: 'applied', from: 'east', to: 'west', pk: 'ONE', sk: 'ITEM' }]);
  });

  it('settles concurrent writes to one item on the later one, whole, in every region', async () => {
    const h = await harness(['east', 'west']);
    h.replicator.hold();
    await h.put('east', 'ONE', { colour: 'red', size: 'large' });
    await h.put('west', 'TWO', { colour: 'blue', size: 'small' });
    await h.replicator.settle(); // both read while the regions cannot reach each other
    await h.put('west', 'ONE', { shape: 'round' });
    await h.put('east', 'TWO', { shape: 'square' });
    await h.replicator.settle();
    h.replicator.release();
    await h.replicator.settle();

    // The later write wins whole: nothing of the earlier one's attributes is merged in.
    const items = await expectSameEverywhere(h, ['east', 'west'], 2);
    expect(items).toEqual([itemOf('ONE', { shape: 'round' }), itemOf('TWO', { shape: 'square' })]);
    expect(h.replicator.stats()).toEqual({ applied: 2, superseded: 2, pending: 0 });
    expect(h.events.filter((e) => e.kind === 'superseded')).toEqual(
      expect.arrayContaining([
        { kind: 'superseded', from: 'east', to: 'west', pk: 'ONE', sk: 'ITEM' },
        { kind: 'superseded', from: 'west', to: 'east', pk: 'TWO', sk: 'ITEM' },
      ]),
    );
  });

  it('keeps a newer local write that an older delivery overwrote on landing, and makes it win everywhere', async () => {
    // west's own client for the replicator, which makes a local write in west just before the replicator's
    // delivery of east's older write reaches west: the delivery lands on top of the newer write.
    const local = localDynamoDbClient();
    cleanups.push(async () => local.destroy());
    let westTable = '';
    let raced = false;
    const h = await harness(['east', 'west'], {}, (name, table) => {
      if (name !== 'west') return table.client;
      westTable = table.tableName;
      const client = localDynamoDbClient();
      cleanups.push(async () => client.destroy());
      client.middlewareStack.add(
        (next) => async (args) => {
          const input = args.input as { Item?: Item };
          if (!raced && input.Item?.pk?.S === 'ONE') {
            raced = true;
            await local.send(
              new PutItemCommand({ TableName: westTable, Item: itemOf('ONE', { by: 'west' }) }),
            );
          }
          return next(args);
        },
        { step: 'initialize' },
      );
      return client;
    });

    await h.put('east', 'ONE', { by: 'east' });
    await h.replicator.settle();

    expect(raced).toBe(true);
    const [item] = await expectSameEverywhere(h, ['east', 'west'], 1);
    expect(item).toEqual(itemOf('ONE', { by: 'west' }));
  });

  it('lets a later put beat an earlier delete, and never undoes a later delete with an earlier put', async () => {
    const h = await harness(['east', 'west']);
    await h.put('east', 'DELETED-THEN-PUT', { v: '1' });
    await h.put('east', 'PUT-THEN-DELETED', { v: '1' });
    await h.replicator.settle();
    await expectSameEverywhere(h, ['east', 'west'], 2);

    h.replicator.hold();
    await h.remove('east', 'DELETED-THEN-PUT');
    await h.put('east', 'PUT-THEN-DELETED', { v: '2' });
    await h.replicator.settle();
    await h.put('west', 'DELETED-THEN-PUT', { v: '3' });
    await h.remove('west', 'PUT-THEN-DELETED');
    await h.replicator.settle();
    h.replicator.release();
    await h.replicator.settle();

    const items = await expectSameEverywhere(h, ['east', 'west'], 1);
    expect(items).toEqual([itemOf('DELETED-THEN-PUT', { v: '3' })]);
  });

  it('holds deliveries across a partition, then converges once it is released', async () => {
    const h = await harness(['east', 'west']);
    h.replicator.hold('east', 'west');
    expect(h.replicator.heldPairs()).toEqual([['east', 'west']]);
    await h.put('east', 'FROM-EAST', { v: 'e' });
    await h.put('west', 'FROM-WEST', { v: 'w' });
    await h.put('east', 'BOTH', { v: 'e' });
    await h.replicator.settle();
    await h.put('west', 'BOTH', { v: 'w' });
    // settle() does not wait for held deliveries; they stay pending.
    await h.replicator.settle();
    await sleep(5 * POLL_MS);
    expect(await h.get('west', 'FROM-EAST')).toBeUndefined();
    expect(await h.get('east', 'FROM-WEST')).toBeUndefined();
    expect(await h.get('east', 'BOTH')).toEqual(itemOf('BOTH', { v: 'e' }));
    expect(h.replicator.stats()).toMatchObject({ applied: 0, pending: 3 });

    h.replicator.release('west', 'east');
    expect(h.replicator.heldPairs()).toEqual([]);
    await h.replicator.settle();
    const items = await expectSameEverywhere(h, ['east', 'west'], 3);
    expect(items.find((i) => i.pk?.S === 'BOTH')).toEqual(itemOf('BOTH', { v: 'w' }));
  });

  it('replicates among three regions: one cut off catches up, and the last write wins everywhere', async () => {
    const names = ['east', 'west', 'south'];
    const delays: Record<string, number> = { east: 50, west: 150, south: 300 };
    const h = await harness(names, { delayMs: (from, to) => delays[from]! + delays[to]! });
    await h.put('west', 'THREE', { by: 'west' });
    await h.replicator.settle();
    await expectSameEverywhere(h, names, 1);
    h.replicator.hold('south');
    await h.put('east', 'ONE', { by: 'east' });
    await h.put('west', 'TWO', { by: 'west' });
    await h.replicator.settle();
    // east and west reach each other; south is cut off from both.
    expect(await h.get('west', 'ONE')).toEqual(itemOf('ONE', { by: 'east' }));
    expect(await h.get('east', 'TWO')).toEqual(itemOf('TWO', { by: 'west' }));
    expect(await h.get('south', 'ONE')).toBeUndefined();
    await h.put('south', 'ONE', { by: 'south' });
    await h.remove('south', 'THREE');
    await h.replicator.settle();
    h.replicator.release();
    await h.replicator.settle();

    const items = await expectSameEverywhere(h, names, 2);
    expect(items).toEqual([itemOf('ONE', { by: 'south' }), itemOf('TWO', { by: 'west' })]);
  });

  it('leaves every region with the same items after many writes, deletes and partitions, and then stays still', async () => {
    const names = ['east', 'west', 'south'];
    const h = await harness(names, { delayMs: (from, to) => (from.length * 37 + to.length * 11) % 120 });
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 120; step += 1) {
      const region = names[random(3)]!;
      const pk = `KEY-${random(12)}`;
      if (random(10) < 7) await h.put(region, pk, { step: String(step), by: region });
      else await h.remove(region, pk);
      if (step % 40 === 10) h.replicator.hold(names[random(3)]);
      if (step % 40 === 30) h.replicator.release();
      if (random(4) === 0) await sleep(random(2 * POLL_MS));
    }
    h.replicator.release();
    await h.replicator.settle();
    const settled = await h.contents('east');
    expect(settled.length).toBeGreaterThan(0);
    await expectSameEverywhere(h, names, settled.length);

    // No echo loop: with nothing written, nothing more is delivered.
    const stats = h.replicator.stats();
    expect(stats.applied).toBeGreaterThan(0);
    expect(stats.pending).toBe(0);
    await sleep(10 * POLL_MS);
    await h.replicator.settle();
    expect(h.replicator.stats()).toEqual(stats);
    expect(await h.contents('west')).toEqual(settled);
  });

  it('refuses fewer than two regions and unknown region names', async () => {
    const table = await createTestTable();
    cleanups.push(() => table.drop());
    await expect(
      Replicator.start({ regions: [{ name: 'east', client: table.client, tableName: table.tableName }] }),
    ).rejects.toThrow('two or more regions');
    const h = await harness(['east', 'west']);
    expect(() => h.replicator.hold('north')).toThrow('No region named north');
  });
});
