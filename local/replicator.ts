/**
 * A last-writer-wins replicator between DynamoDB Local tables: what a DynamoDB global table (version
 * 2019.11.21, multi-region eventual consistency) does between its regions, for `npm start` and the tests.
 * Replication is per item (pk + sk) and whole-item: the winning write's full image, or its absence for a
 * delete, lands in every region, and an older write never replaces a newer one.
 *
 * One loop reads every region's stream (NEW_AND_OLD_IMAGES, as global tables require; enabled here if a
 * table has none), then makes the deliveries that are due (each `delayMs` after the write was read, unless
 * its pair of regions is held), then sleeps `pollIntervalMs`. The steps never overlap, so the bookkeeping
 * needs no locks.
 *
 * Which write is later: the one the replicator read later. DynamoDB Local stamps stream records to the
 * minute, and global tables add no attribute a reader sees, so neither can order writes; instead each write
 * made by the application (a local write) takes the next number of the replicator's own clock when it is
 * read from its region's stream. A write made after another was visible in its region is read after it, so
 * causal order is kept; two writes in different regions within one poll interval are concurrent, and the
 * one read later wins (in one round, the region later in `regions`): deterministic, and as global tables
 * put it, "approximately" the last writer.
 *
 * Echoes: a delivery is itself a write in the target's stream and must not travel on. Each delivery is a
 * PutItem or DeleteItem with ReturnValues ALL_OLD, so the replicator knows the exact change it made (old
 * image to new image) and expects that record next among the item's unexplained records in the target's
 * stream; a record that matches is the echo. A delivery that changes nothing makes no stream record, and
 * none is expected.
 *
 * A delivery that lands after a newer local write in the target: the target's stream shows the local write
 * first (which wins: it was read later than the delivered one) and the echo after it, which says that the
 * region now holds an older version than the winner; the winner is then put back there. So every region
 * ends with the last write read, whatever the order of landing. (The target's readers see the older item
 * for about one poll interval, which a real global table never shows.)
 *
 * Only writes made after start() are replicated (each stream is read from its latest position). The events
 * name the keys only, never item values: items hold sealed secrets and verifiers.
 */
import {
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  UpdateTableCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { KEY } from '../shared/adapters/dynamodb/table-schema';

export interface ReplicaRegion {
  name: string;
  client: DynamoDBClient;
  tableName: string;
}

export interface ReplicationEvent {
  /** applied: `from`'s write was put in `to`; superseded: a later write won, so it never will be. */
  kind: 'applied' | 'superseded';
  from: string;
  to: string;
  pk: string;
  sk: string;
}

export interface ReplicatorOptions {
  regions: ReplicaRegion[];
  /** How long each delivery waits after its write was read. Default 1000 ms. */
  delayMs?: number | ((from: string, to: string) => number);
  /** The pause between rounds of reading the streams. Default 100 ms. */
  pollIntervalMs?: number;
  onEvent?: (event: ReplicationEvent) => void;
}

export interface ReplicationStats {
  applied: number;
  superseded: number;
  /** Deliveries waiting for their delay or for a held pair of regions. */
  pending: number;
}

type Item = Record<string, AttributeValue>;

/** A local write, as read from its region's stream. `image` is undefined for a delete. */
interface Write {
  version: number;
  from: string;
  keys: Item;
  image: Item | undefined;
}

interface Delivery {
  write: Write;
  to: string;
  dueAt: number;
}

/** The stream record a delivery will make in its target: the item's change, canonical. */
interface Echo {
  write: Write;
  change: string;
}

/** Where reading a shard goes on: after its last record read, or from its start if none was. */
interface ShardCursor {
  shardId: string;
  lastSequenceNumber: string | undefined;
  iterator: string | undefined;
}

/** A table's stream as this module reads it (also the local audit materializer's). */
export interface RegionStream {
  region: ReplicaRegion;
  streams: DynamoDBStreamsClient;
  streamArn: string;
  /** The shards still open, by id. */
  shards: Map<string, ShardCursor>;
}

export const DEFAULT_REPLICATION_DELAY_MS = 1000;
const DEFAULT_POLL_INTERVAL_MS = 100;
const DEFAULT_SETTLE_TIMEOUT_MS = 60_000;

export class Replicator {
  private clock = 0;
  /** The winning write of each item that still has a delivery or an echo outstanding. */
  private readonly latest = new Map<string, Write>();
  /** By target region and item. */
  private readonly pending = new Map<string, Delivery>();
  /** By target region and item, in the order the deliveries were made. */
  private readonly echoes = new Map<string, Echo[]>();
  private readonly held = new Set<string>();
  private applied = 0;
  private superseded = 0;
  private rounds = 0;
  private roundWaiters: (() => void)[] = [];
  private lastError: unknown;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly streams: RegionStream[],
    private readonly delayOf: (from: string, to: string) => number,
    private readonly pollIntervalMs: number,
    private readonly onEvent: (event: ReplicationEvent) => void,
  ) {}

  static async start(options: ReplicatorOptions): Promise<Replicator> {
    const names = options.regions.map((r) => r.name);
    if (names.length < 2 || new Set(names).size !== names.length) {
      throw new Error(`A replicator needs two or more regions of distinct names, not [${names.join(', ')}]`);
    }
    const delay = options.delayMs ?? DEFAULT_REPLICATION_DELAY_MS;
    const replicator = new Replicator(
      await Promise.all(options.regions.map((region) => openStream(region))),
      typeof delay === 'number' ? () => delay : delay,
      options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      options.onEvent ?? (() => undefined),
    );
    replicator.loop = replicator.run();
    return replicator;
  }

  /** A partition: deliveries between these regions (to and from `from` alone; all, if none is named) wait. */
  hold(from?: string, to?: string): void {
    for (const pair of this.pairs(from, to)) this.held.add(pair);
  }

  release(from?: string, to?: string): void {
    for (const pair of this.pairs(from, to)) this.held.delete(pair);
  }

  /** The held pairs of regions. */
  heldPairs(): [string, string][] {
    return [...this.held].map((pair) => pair.split('\u0000') as [string, string]);
  }

  stats(): ReplicationStats {
    return { applied: this.applied, superseded: this.superseded, pending: this.pending.size };
  }

  /**
   * Resolves once every write committed in any region before the call has been delivered to (or
   * superseded in) every region it is not held from, and each delivery's echo has been read back.
   */
  async settle(timeoutMs = DEFAULT_SETTLE_TIMEOUT_MS): Promise<void> {
    // The round under way may have read the streams before the call: the next one reads them after it.
    const firstRound = this.rounds + 2;
    const deadline = Date.now() + timeoutMs;
    while (this.rounds < firstRound || !this.quiet()) {
      if (this.stopped) throw new Error('The replicator was stopped before it settled');
      const left = deadline - Date.now();
      if (left <= 0) {
        const error = this.lastError instanceof Error ? `; last error: ${this.lastError.message}` : '';
        throw new Error(
          `Replication did not settle within ${timeoutMs} ms: ${this.pending.size} deliveries pending${error}`,
        );
      }
      await this.nextRound(left);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    for (const done of this.roundWaiters.splice(0)) done();
    for (const stream of this.streams) stream.streams.destroy();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      for (const stream of this.streams) {
        await this.read(stream).catch((error: unknown) => (this.lastError = error));
      }
      await this.deliverDue();
      this.rounds += 1;
      for (const done of this.roundWaiters.splice(0)) done();
      this.forgetSettledItems();
      if (this.stopped) break;
      await new Promise<void>((done) => {
        const timer = setTimeout(done, this.pollIntervalMs);
        timer.unref();
        this.wake = () => {
          clearTimeout(timer);
          done();
        };
      });
    }
  }

  private async read(stream: RegionStream): Promise<void> {
    await readStream(stream, (record) => this.observe(stream.region.name, record));
  }

  private observe(regionName: string, record: StreamRecord): void {
    const { Keys: keys, OldImage, NewImage } = record.dynamodb ?? {};
    if (keys === undefined) return;
    const id = itemId(keys);
    const expected = this.echoes.get(slot(regionName, id));
    if (expected?.[0]?.change === change(OldImage as Item, NewImage as Item)) {
      const echo = expected.shift()!;
      const winner = this.latest.get(id)!;
      // The delivery landed after a newer write was made here: put the winner back.
      const winnerOnItsWay =
        this.pending.has(slot(regionName, id)) || expected.some((e) => e.write === winner);
      if (echo.write.version < winner.version && !winnerOnItsWay) this.schedule(winner, regionName, 0);
      return;
    }
    const write: Write = {
      version: (this.clock += 1),
      from: regionName,
      keys: keys as Item,
      image: NewImage as Item | undefined,
    };
    this.latest.set(id, write);
    for (const { region } of this.streams) {
      if (region.name !== regionName) {
        this.schedule(write, region.name, Date.now() + this.delayOf(regionName, region.name));
      } else {
        const older = this.pending.get(slot(regionName, id));
        if (older) this.supersede(older, slot(regionName, id));
      }
    }
  }

  private schedule(write: Write, to: string, dueAt: number): void {
    const key = slot(to, itemId(write.keys));
    const older = this.pending.get(key);
    if (older) this.supersede(older, key);
    this.pending.set(key, { write, to, dueAt });
  }

  private supersede(delivery: Delivery, key: string): void {
    this.pending.delete(key);
    this.superseded += 1;
    this.emit('superseded', delivery);
  }

  private async deliverDue(): Promise<void> {
    const now = Date.now();
    for (const [key, delivery] of [...this.pending]) {
      if (delivery.dueAt > now || this.held.has(pairOf(delivery.write.from, delivery.to))) continue;
      try {
        await this.deliver(delivery);
        this.pending.delete(key);
      } catch (error) {
        this.lastError = error; // kept pending: tried again next round
      }
    }
  }

  private async deliver({ write, to }: Delivery): Promise<void> {
    const { region } = this.streams.find((s) => s.region.name === to)!;
    const { Attributes: old } = write.image
      ? await region.client.send(
          new PutItemCommand({ TableName: region.tableName, Item: write.image, ReturnValues: 'ALL_OLD' }),
        )
      : await region.client.send(
          new DeleteItemCommand({ TableName: region.tableName, Key: write.keys, ReturnValues: 'ALL_OLD' }),
        );
    if (canonical(old) !== canonical(write.image)) {
      const key = slot(to, itemId(write.keys));
      this.echoes.set(key, [...(this.echoes.get(key) ?? []), { write, change: change(old, write.image) }]);
    }
    this.applied += 1;
    this.emit('applied', { write, to, dueAt: 0 });
  }

  private emit(kind: ReplicationEvent['kind'], { write, to }: Delivery): void {
    const pk = write.keys[KEY.partition]?.S ?? '';
    const sk = write.keys[KEY.sort]?.S ?? '';
    this.onEvent({ kind, from: write.from, to, pk, sk });
  }

  private quiet(): boolean {
    const waiting = [...this.pending.values()].some((d) => !this.held.has(pairOf(d.write.from, d.to)));
    return !waiting && [...this.echoes.values()].every((list) => list.length === 0);
  }

  /** Items with nothing outstanding need no memory: their next write is later than all before it. */
  private forgetSettledItems(): void {
    for (const [key, list] of this.echoes) if (list.length === 0) this.echoes.delete(key);
    for (const id of this.latest.keys()) {
      const outstanding = this.streams.some(
        ({ region }) => this.pending.has(slot(region.name, id)) || this.echoes.has(slot(region.name, id)),
      );
      if (!outstanding) this.latest.delete(id);
    }
  }

  private nextRound(limitMs: number): Promise<void> {
    return new Promise((done) => {
      const timer = setTimeout(done, limitMs);
      this.roundWaiters.push(() => {
        clearTimeout(timer);
        done();
      });
    });
  }

  private pairs(from?: string, to?: string): string[] {
    const names = this.streams.map((s) => s.region.name);
    for (const name of [from, to]) {
      if (name !== undefined && !names.includes(name)) throw new Error(`No region named ${name}`);
    }
    const pairs: string[] = [];
    for (const a of names) {
      for (const b of names) {
        const named = [from, to].filter((n) => n !== undefined);
        if (a < b && named.every((n) => n === a || n === b)) pairs.push(pairOf(a, b));
      }
    }
    return pairs;
  }
}

/**
 * Opens a table's stream (enabling it if the table has none), to be read from now on, or from the oldest
 * record it keeps (`from: 'start'`).
 */
export async function openStream(
  region: ReplicaRegion,
  from: 'now' | 'start' = 'now',
): Promise<RegionStream> {
  const streams = new DynamoDBStreamsClient({
    region: region.client.config.region,
    credentials: region.client.config.credentials,
    endpoint: region.client.config.endpoint,
  });
  const stream: RegionStream = { region, streams, streamArn: await ensureStream(region), shards: new Map() };
  await addShards(stream, (shard) => shard.SequenceNumberRange?.EndingSequenceNumber === undefined);
  // From now on: skip what the open shards hold already.
  if (from === 'now') {
    for (const cursor of stream.shards.values()) {
      while ((await readShard(stream, cursor)).records.length > 0);
    }
  }
  return stream;
}

/** Reads each shard's next records once, in order, handing each to `onRecord`; follows closed shards' children. */
export async function readStream(
  stream: RegionStream,
  onRecord: (record: StreamRecord) => void,
): Promise<void> {
  for (const cursor of [...stream.shards.values()]) {
    const { records, open } = await readShard(stream, cursor);
    for (const record of records) onRecord(record);
    if (!open) {
      // A closed shard: its children carry on from where it ended.
      stream.shards.delete(cursor.shardId);
      await addShards(stream, (shard) => shard.ParentShardId === cursor.shardId);
    }
  }
}

/** The table's stream ARN, after enabling a stream with both images if the table had none. */
async function ensureStream({ client, tableName }: ReplicaRegion): Promise<string> {
  const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const spec = table?.StreamSpecification;
  if (spec?.StreamEnabled && table?.LatestStreamArn) {
    if (spec.StreamViewType !== 'NEW_AND_OLD_IMAGES') {
      throw new Error(
        `${tableName}'s stream has ${spec.StreamViewType}; replication needs NEW_AND_OLD_IMAGES`,
      );
    }
    return table.LatestStreamArn;
  }
  const updated = await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  return updated.TableDescription!.LatestStreamArn!;
}

type Shard = {
  ShardId?: string;
  ParentShardId?: string;
  SequenceNumberRange?: { EndingSequenceNumber?: string };
};

async function addShards(stream: RegionStream, wanted: (shard: Shard) => boolean): Promise<void> {
  const { StreamDescription } = await stream.streams.send(
    new DescribeStreamCommand({ StreamArn: stream.streamArn }),
  );
  for (const { ShardId: shardId, ...shard } of StreamDescription?.Shards ?? []) {
    if (shardId === undefined || stream.shards.has(shardId) || !wanted(shard)) continue;
    stream.shards.set(shardId, { shardId, lastSequenceNumber: undefined, iterator: undefined });
  }
}

/**
 * The shard's next records, and whether it is still open. DynamoDB Local numbers stream records across all
 * tables, and an iterator taken while a shard is empty points before its first record once that is written
 * (TrimmedDataAccessException); so an empty shard is read with a new iterator each time, and an iterator
 * that fails is replaced by one after the last record read.
 */
async function readShard(
  stream: RegionStream,
  cursor: ShardCursor,
): Promise<{ records: StreamRecord[]; open: boolean }> {
  cursor.iterator ??= (
    await stream.streams.send(
      new GetShardIteratorCommand({
        StreamArn: stream.streamArn,
        ShardId: cursor.shardId,
        ...(cursor.lastSequenceNumber === undefined
          ? { ShardIteratorType: 'TRIM_HORIZON' }
          : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: cursor.lastSequenceNumber }),
      }),
    )
  ).ShardIterator;
  try {
    const out = await stream.streams.send(new GetRecordsCommand({ ShardIterator: cursor.iterator }));
    const records = out.Records ?? [];
    cursor.lastSequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber ?? cursor.lastSequenceNumber;
    cursor.iterator = cursor.lastSequenceNumber === undefined ? undefined : out.NextShardIterator;
    return { records, open: out.NextShardIterator !== undefined && out.NextShardIterator !== null };
  } catch (error) {
    cursor.iterator = undefined;
    throw error;
  }
}

const itemId = (keys: Item) => canonical(keys);
const slot = (region: string, id: string) => `${region}\u0000${id}`;
const pairOf = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);
const change = (old: Item | undefined, image: Item | undefined) => `${canonical(old)}->${canonical(image)}`;

/** An item as a string that two equal items share: sorted names, sorted set members, binary as base64. */
function canonical(item: Item | undefined): string {
  return item === undefined ? '' : JSON.stringify(sorted(item));
}

function sorted(value: unknown, type?: string): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) {
    const members = value.map((v) => sorted(v));
    return type === 'SS' || type === 'NS' || type === 'BS' ? members.sort() : members;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, v]) => [name, sorted(v, name)]),
    );
  }
  return value;
}
