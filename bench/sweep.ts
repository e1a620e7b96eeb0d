/**
 * The expiry sweep's cost as the table grows: for each size N, N active issued codes of which 1% are due,
 * seeded with BatchWriteItem into DynamoDB Local; then sweeps at several concurrencies (the due codes are
 * put back between them), and one sweep with nothing due. What DynamoDB itself read is counted from the
 * responses (a Query's ScannedCount, a GetItem's item), not from the sweep's own counts.
 *
 * `npm run bench:sweep` (or `npx tsx bench/sweep.ts`); SIZES=10000,100000, CONCURRENCY=1,4,8,16 and
 * WARM_UP_SIZE=2000 (the unmeasured first round) to change them. Starts its own DynamoDB Local in memory unless DYNAMODB_ENDPOINT is set. Prints the figures
 * and writes bench/results/sweep.json. Not a test: nothing here passes or fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbTokenStore } from '../shared/adapters/dynamodb/dynamodb-token-store';
import { expiryDayOf } from '../shared/adapters/dynamodb/keys';
import { createTableInput } from '../shared/adapters/dynamodb/table-schema';
import type { IssuedEmergencyCode } from '../shared/domain/model';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { sweepExpired, type SweepResult } from '../shared/use-cases/sweep-expired';
import { startDynamoDbLocal, type EngineHandle } from '../local/engines';
import { PRODUCTION_KDF_COST } from '../shared/domain/verifier';
import { issuedCodeItemOf } from '../shared/adapters/dynamodb/token-items';
import { batchWrite, marshalledItem } from './population';

const MINUTE = 60_000;
const DAY = 86_400_000;
const NOW = new Date('2027-03-10T12:00:00.000Z');
const DUE_SHARE = 0.01;
/** Of the codes not due, this share expires later today: in today's bucket, but past `now`. */
const LATER_TODAY_SHARE = 0.05;
const LOOK_BACK_DAYS = 90;

const listOf = (value: string | undefined, fallback: number[]) =>
  value === undefined ? fallback : value.split(',').map((v) => Number(v.trim()));

/** What DynamoDB read and wrote, from its answers. */
class Tally {
  queries = 0;
  indexItemsRead = 0;
  gets = 0;
  itemsGot = 0;
  puts = 0;

  reset(): void {
    Object.assign(this, { queries: 0, indexItemsRead: 0, gets: 0, itemsGot: 0, puts: 0 });
  }

  record(command: string, output: Record<string, unknown>): void {
    if (command === 'QueryCommand') {
      this.queries += 1;
      this.indexItemsRead += Number(output.ScannedCount ?? 0);
    } else if (command === 'GetItemCommand' || command === 'GetCommand') {
      this.gets += 1;
      if (output.Item !== undefined) this.itemsGot += 1;
    } else if (command === 'PutItemCommand' || command === 'PutCommand') {
      this.puts += 1;
    }
  }
}

function codeAt(serial: string, expiresAt: Date): IssuedEmergencyCode {
  return {
    serial,
    generation: 1,
    sealedCode: { keyId: 'local:bench', ciphertext: Buffer.from(`sealed-${serial}`).toString('base64') },
    verifier: { algorithm: 'pbkdf2-sha256', iterations: 600_000, salt: 'c2FsdA', hash: 'aGFzaA' },
    issuedAt: new Date(expiresAt.getTime() - 14 * DAY).toISOString(),
    expiresAt: expiresAt.toISOString(),
    state: 'active',
    usedAt: null,
    version: 0,
  };
}

/** The items DynamoDbTokenStore.saveIssuedCode writes for these codes (new, at version 1). */
const itemsOf = (codes: readonly IssuedEmergencyCode[]) =>
  codes.map((code) => marshalledItem(issuedCodeItemOf(code)));

/** A fraction in [0, 1) that looks random and is the same on every run (Knuth's multiplicative hash). */
const spread = (i: number) => (Math.imul(i + 1, 2_654_435_761) >>> 0) / 2 ** 32;

/** N codes: 1% due within the last three days, 5% of the rest later today, the rest in the next 90 days. */
function codesOf(n: number): { due: IssuedEmergencyCode[]; notDue: IssuedEmergencyCode[] } {
  const dueCount = Math.round(n * DUE_SHARE);
  const laterToday = Math.round((n - dueCount) * LATER_TODAY_SHARE);
  const untilMidnight = DAY - (NOW.getTime() % DAY) - 2 * MINUTE;
  const serial = (i: number) => `B${String(i).padStart(11, '0')}`;
  const at = (offset: number) => new Date(NOW.getTime() + Math.round(offset));
  const due: IssuedEmergencyCode[] = [];
  const notDue: IssuedEmergencyCode[] = [];
  for (let i = 0; i < n; i++) {
    if (i < dueCount) due.push(codeAt(serial(i), at(-MINUTE - spread(i) * 3 * DAY)));
    else if (i < dueCount + laterToday)
      notDue.push(codeAt(serial(i), at(MINUTE + spread(i) * untilMidnight)));
    else notDue.push(codeAt(serial(i), at(MINUTE + spread(i) * 90 * DAY)));
  }
  return { due, notDue };
}

interface SweepFigures {
  concurrency: number;
  result: Pick<SweepResult, 'due' | 'expired' | 'skipped' | 'failed' | 'stopReason'>;
  seconds: number;
  expirationsPerSecond: number;
  /** Leaving out the fixed cost of reading the empty buckets (the nothing-due run's time). */
  netExpirationsPerSecond?: number | null;
  indexQueries: number;
  indexItemsRead: number;
  /** Index entries read per code expired: 1.0 means nothing that was not due was read. */
  indexItemsReadPerExpired: number;
  /** Index entries and the re-read of each item together, per code expired. */
  itemReadsPerExpired: number;
  writesPerExpired: number;
}

async function measureSweep(
  deps: UseCaseDependencies,
  tally: Tally,
  concurrency: number,
): Promise<SweepFigures> {
  tally.reset();
  const start = performance.now();
  const result = await sweepExpired(deps, {
    now: NOW,
    concurrency,
    maxItems: 10_000_000,
    lookBackDays: LOOK_BACK_DAYS,
  });
  const seconds = (performance.now() - start) / 1000;
  const per = (value: number) => (result.expired === 0 ? null : Number((value / result.expired).toFixed(3)));
  return {
    concurrency,
    result: {
      due: result.due,
      expired: result.expired,
      skipped: result.skipped,
      failed: result.failed,
      stopReason: result.stopReason,
    },
    seconds: Number(seconds.toFixed(2)),
    expirationsPerSecond: Math.round(result.expired / seconds),
    indexQueries: tally.queries,
    indexItemsRead: tally.indexItemsRead,
    indexItemsReadPerExpired: per(tally.indexItemsRead)!,
    itemReadsPerExpired: per(tally.indexItemsRead + tally.itemsGot)!,
    writesPerExpired: per(tally.puts)!,
  };
}

async function benchSize(client: DynamoDBClient, n: number, concurrencies: number[], print = true) {
  const tableName = `eat-bench-sweep-${n}-${Date.now()}`;
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  try {
    const { due, notDue } = codesOf(n);
    const seedStart = performance.now();
    const dueItems = itemsOf(due);
    await batchWrite(client, tableName, [...dueItems, ...itemsOf(notDue)]);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    if (print) process.stdout.write(`N=${n}: seeded in ${seedSeconds.toFixed(1)} s\n`);

    const tally = new Tally();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        tally.record(context.commandName ?? '', result.output as unknown as Record<string, unknown>);
        return result;
      },
      { step: 'initialize', name: 'benchTally', override: true },
    );
    const deps: UseCaseDependencies = {
      store: new DynamoDbTokenStore(client, { tableName }),
      sealer: {
        seal: () => Promise.reject(new Error('not used')),
        open: () => Promise.reject(new Error('not used')),
      },
      pepper: { mac: () => Promise.reject(new Error('not used')) },
      clock: () => NOW,
      regionName: 'bench',
      policyCaps: { maxEmergencyCodeLifetimeDays: LOOK_BACK_DAYS },
      kdf: PRODUCTION_KDF_COST,
    };
    // A code of each kind reads back through the store as the sweep expects.
    const check = await deps.store.getIssuedCode(due[0]!.serial, due[0]!.generation);
    if (check?.state !== 'active' || check.expiresAt !== due[0]!.expiresAt)
      throw new Error('seeding is wrong');

    const sweeps: SweepFigures[] = [];
    for (const [i, concurrency] of concurrencies.entries()) {
      if (i > 0) await batchWrite(client, tableName, dueItems);
      const figures = await measureSweep(deps, tally, concurrency);
      if (print) process.stdout.write(`N=${n}: ${JSON.stringify(figures)}\n`);
      sweeps.push(figures);
    }
    tally.reset();
    // What a run costs with nothing due: one empty Query per bucket of the look-back.
    const emptyStart = performance.now();
    const empty = await sweepExpired(deps, { now: NOW, lookBackDays: LOOK_BACK_DAYS });
    const nothingDue = {
      due: empty.due,
      indexQueries: tally.queries,
      indexItemsRead: tally.indexItemsRead,
      seconds: Number(((performance.now() - emptyStart) / 1000).toFixed(2)),
    };
    if (print) process.stdout.write(`N=${n}: nothing due: ${JSON.stringify(nothingDue)}\n`);
    for (const figures of sweeps) {
      const working = figures.seconds - nothingDue.seconds;
      figures.netExpirationsPerSecond = working > 0 ? Math.round(figures.result.expired / working) : null;
    }
    return {
      n,
      dueCodes: due.length,
      dueBuckets: new Set(due.map((code) => expiryDayOf(code.expiresAt))).size,
      notDueCodes: notDue.length,
      seedSeconds: Number(seedSeconds.toFixed(1)),
      sweeps,
      nothingDue,
    };
  } finally {
    client.middlewareStack.remove('benchTally');
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  }
}

export async function run(): Promise<unknown> {
  const sizes = listOf(process.env.SIZES, [10_000, 100_000]);
  const concurrencies = listOf(process.env.CONCURRENCY, [1, 4, 8, 16]);
  let engine: EngineHandle | undefined;
  const endpoint =
    process.env.DYNAMODB_ENDPOINT ?? (engine = await startDynamoDbLocal({ inMemory: true })).endpoint;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    // A small round first, so that no measured run pays for the JIT warming up.
    await benchSize(client, Number(process.env.WARM_UP_SIZE ?? 2_000), [8], false);
    const runs = [];
    for (const n of sizes) runs.push(await benchSize(client, n, concurrencies));
    const report = {
      engine: 'DynamoDB Local (in memory)',
      machine: { cpus: cpus().length, node: process.version },
      now: NOW.toISOString(),
      lookBackDays: LOOK_BACK_DAYS,
      dueShare: DUE_SHARE,
      runs,
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/sweep.json', JSON.stringify(report, null, 2) + '\n');
    process.stdout.write('written to bench/results/sweep.json\n');
    return report;
  } finally {
    client.destroy();
    await engine?.stop();
  }
}

if (require.main === module) void run();
