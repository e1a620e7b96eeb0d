/**
 * Search does not read the table: over 10,000 tokens, every search reads at most a page of index items
 * (plus one GetItem of the issued code per token shown), counted by a middleware on the DynamoDB client.
 */
import {
  BatchWriteItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { searchTokensRoute } from '../../../functions/api/contract/admin-routes';
import { DynamoDbTokenStore } from '../../../shared/adapters/dynamodb/dynamodb-token-store';
import type { Token } from '../../../shared/domain/model';
import { DEFAULT_OFFLINE_POLICY } from '../../../shared/domain/policy';
import { runPool } from '../../../shared/use-cases/promise-pool';
import type { UseCaseDependencies } from '../../../shared/use-cases/context';
import type { Claims } from '../../support/events';
import { startTestSystem, type TestSystem } from '../../support/system';
import { createTestTable, localDynamoDbClient, type TestTable } from '../../support/table';

const TOTAL = 10_000;
const DOMAINS = { Big: 7_000, Mid: 3_000 } as const;
/** One user holds many tokens, so that even a user-id search has more matches than a page. */
const HEAVY_USER_TOKENS = 60;

const LAST_NAMES = [
  'Smith',
  'Smythe',
  'Small',
  'Jones',
  'Johnson',
  'Brown',
  'Baker',
  'Garcia',
  'Miller',
  'Davis',
];
const FIRST_NAMES = ['Alice', 'Adam', 'Anna', 'John', 'Joan', 'Joseph', 'Maria', 'Mark', 'Zoe', 'Zack'];

interface Read {
  command: string;
  index: string | undefined;
  scanned: number;
  count: number;
}

let system: TestSystem;
let table: TestTable;
let deps: UseCaseDependencies;
let recording: Read[] | null = null;
const figures: string[] = [];

/** Records every read the store makes while `recording` is set: Query counts and each GetItem. */
function recordReads(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (recording !== null) {
        const input = args.input as { IndexName?: string };
        const output = result.output as { ScannedCount?: number; Count?: number; Item?: unknown };
        recording.push({
          command: context.commandName ?? 'unknown',
          index: input.IndexName,
          // A GetItem costs a read whether or not the item is there.
          scanned: output.ScannedCount ?? 1,
          count: output.Count ?? (output.Item === undefined ? 0 : 1),
        });
      }
      return result;
    },
    { step: 'initialize', name: 'recordReads' },
  );
}

function tokenNumber(i: number): Token {
  const domain = i < DOMAINS.Big ? 'Big' : 'Mid';
  const unassigned = i % 50 === 49;
  const heavy = i < HEAVY_USER_TOKENS;
  const firstName = FIRST_NAMES[Math.floor(i / 10) % FIRST_NAMES.length]!;
  const lastName = LAST_NAMES[i % LAST_NAMES.length]!;
  return {
    serial: `S${String(i).padStart(8, '0')}`,
    kind: i % 3 === 0 ? 'authenticate' : 'securid',
    enabled: true,
    user: unassigned ? null : { userId: heavy ? 'heavy' : `user${i}`, firstName, lastName },
    securityDomain: domain,
    digits: 6,
    sealedSeed: { keyId: 'local:scale', ciphertext: 'c2VhbGVk' },
    pinVerifier: null,
    lastOnlineAuthenticationAt: null,
    version: 0,
  };
}

/**
 * The items exactly as the store writes them: a store over a client that never sends, whose last
 * middleware keeps each PutItem's marshalled item and answers as DynamoDB would.
 */
async function itemsAsTheStoreWrites(tokens: Token[]): Promise<Record<string, AttributeValue>[]> {
  const client = localDynamoDbClient();
  const items: Record<string, AttributeValue>[] = [];
  client.middlewareStack.add(
    () => async (args) => {
      items.push((args.input as PutItemCommandInput).Item!);
      return { output: { $metadata: {} }, response: {} };
    },
    { step: 'build', name: 'keepItem' },
  );
  const store = new DynamoDbTokenStore(client, { tableName: 'never-sent' });
  for (const token of tokens) await store.saveToken(token);
  client.destroy();
  return items;
}

async function batchWrite(
  client: DynamoDBClient,
  tableName: string,
  items: Record<string, AttributeValue>[],
) {
  const batches: Record<string, AttributeValue>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  await runPool(batches, 6, async (batch) => {
    let requests = batch.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 20) throw new Error('DynamoDB Local kept items unprocessed');
      const result = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  });
}

/** Test-side count of a domain's tokens through the index (not recorded). */
async function countInDomain(domain: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: 'byDomainLastName',
        KeyConditionExpression: 'domainKey = :d',
        ExpressionAttributeValues: { ':d': { S: `DOMAIN#${domain}` } },
        Select: 'COUNT',
        ExclusiveStartKey: startKey,
      }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return count;
}

beforeAll(async () => {
  system = await startTestSystem();
  const client = localDynamoDbClient();
  recordReads(client);
  table = await createTestTable(client);
  deps = { ...system.deps, store: table.store };
  for (const id of Object.keys(DOMAINS)) {
    await table.store.saveSecurityDomain({ id, name: id, offlinePolicy: DEFAULT_OFFLINE_POLICY, version: 0 });
  }
  const tokens = Array.from({ length: TOTAL }, (_, i) => tokenNumber(i));
  await batchWrite(client, table.tableName, await itemsAsTheStoreWrites(tokens));
});

afterAll(async () => {
  if (process.env.SCALE_FIGURES === '1') process.stdout.write(`\n${figures.join('\n')}\n`);
  await table?.drop();
  table?.client.destroy();
  await system?.stop();
});

interface Searched {
  serials: string[];
  nextCursor: string | null;
  reads: Read[];
}

async function search(query: Record<string, string>, claims?: Claims): Promise<Searched> {
  recording = [];
  try {
    const reply = await system.callWith(deps, searchTokensRoute, { query, claims });
    expect(reply.status).toBe(200);
    return {
      serials: reply.body.items.map((t: { serial: string }) => t.serial),
      nextCursor: reply.body.nextCursor,
      reads: recording,
    };
  } finally {
    recording = null;
  }
}

/**
 * The bound: index items read by the token queries at most the page size, one read of its partition's
 * state items (a Query of a few items) per token shown, plus what finding the domains costs; never a Scan.
 */
function expectBounded(label: string, result: Searched, limit: number, extra = 0): void {
  const queries = result.reads.filter(
    (r) => r.command === 'QueryCommand' && r.index !== undefined && r.index !== 'byType',
  );
  const domainLists = result.reads.filter((r) => r.index === 'byType');
  const gets = result.reads.filter(
    (r) => r.command === 'GetItemCommand' || (r.command === 'QueryCommand' && r.index === undefined),
  );
  const scannedByQueries = queries.reduce((sum, r) => sum + r.scanned, 0);
  const readCount = result.reads.reduce((sum, r) => sum + r.scanned, 0);
  figures.push(
    `${label.padEnd(48)} shown ${String(result.serials.length).padStart(3)}  queries ${queries.length}` +
      ` scanned ${String(scannedByQueries).padStart(3)}  token reads ${String(gets.length).padStart(3)}` +
      `  domain listings ${domainLists.length}  items read ${readCount}`,
  );
  expect(result.reads.every((r) => ['QueryCommand', 'GetItemCommand'].includes(r.command))).toBe(true);
  expect(scannedByQueries).toBeLessThanOrEqual(limit);
  expect(gets.length).toBeLessThanOrEqual(result.serials.length + extra);
  expect(readCount).toBeLessThanOrEqual(2 * limit + extra + domainLists.reduce((s, r) => s + r.scanned, 0));
  expect(readCount).toBeLessThan(TOTAL / 25);
}

it('holds 10,000 tokens', async () => {
  expect((await countInDomain('Big')) + (await countInDomain('Mid'))).toBe(TOTAL);
});

it('reads a page, not the matches, when searching by user id', async () => {
  const one = await search({ userId: 'USER4242' });
  expect(one.serials).toEqual(['S00004242']);
  expectBounded('userId, one token', one, 25);

  const first = await search({ userId: 'heavy', limit: '25' });
  expect(first.serials).toHaveLength(25);
  expect(first.nextCursor).not.toBeNull();
  expectBounded('userId with 60 tokens, page 1 of 25', first, 25);
  const second = await search({ userId: 'heavy', limit: '25', cursor: first.nextCursor! });
  expectBounded('userId with 60 tokens, page 2 of 25', second, 25);
  expect(new Set([...first.serials, ...second.serials]).size).toBe(50);
});

it('reads a page when searching by last-name prefix in a domain, with or without a first name', async () => {
  const byLast = await search({ domain: 'Big', lastName: 'sm', limit: '25' });
  expect(byLast.serials).toHaveLength(25);
  expectBounded('last name "sm" in Big (2,100 match)', byLast, 25);

  // The first name filters the page read, so a page may come back short, even empty, with a cursor.
  const found: string[] = [];
  let cursor: string | undefined;
  for (let page = 1; found.length < 25 && page <= 20; page++) {
    const both = await search({
      domain: 'Big',
      lastName: 'smith',
      firstName: 'jo',
      limit: '25',
      ...(cursor ? { cursor } : {}),
    });
    expectBounded(`last "smith" + first "jo" (filter) in Big, page ${page}`, both, 25);
    found.push(...both.serials);
    cursor = both.nextCursor ?? undefined;
  }
  expect(found.length).toBeGreaterThanOrEqual(25);

  const byFirst = await search({ domain: 'Mid', firstName: 'Zo', limit: '20' });
  expect(byFirst.serials).toHaveLength(20);
  expectBounded('first name "Zo" alone in Mid', byFirst, 20);
});

it('reads a page at a time when listing a whole domain with a cursor', async () => {
  let cursor: string | undefined;
  const seen = new Set<string>();
  for (let page = 1; page <= 4; page++) {
    const result = await search({ domain: 'Big', limit: '100', ...(cursor ? { cursor } : {}) });
    expect(result.serials).toHaveLength(100);
    expectBounded(`domain Big listing, page ${page} of 100`, result, 100);
    for (const serial of result.serials) seen.add(serial);
    cursor = result.nextCursor!;
  }
  expect(seen.size).toBe(400);
});

it('reads a page across domains for an administrator of all domains, and of some', async () => {
  const all = await search({ lastName: 'jo', limit: '30' });
  expect(all.serials).toHaveLength(30);
  expectBounded('last name "jo" across all domains', all, 30);

  const confined = await search(
    { lastName: 'br', limit: '30' },
    { sub: 'mid-admin', client_id: 'mid-admin', scope: 'eat/admin', domains: '[Mid]' },
  );
  expect(confined.serials).toHaveLength(30);
  expect(confined.serials.every((s) => Number(s.slice(1)) >= DOMAINS.Big)).toBe(true);
  expectBounded('last name "br", administrator of Mid only', confined, 30);

  const bySerial = await search({ serial: 'S00009999' });
  expect(bySerial.serials).toEqual(['S00009999']);
  expectBounded('serial', bySerial, 1, 1);
});
