/**
 * A realistic table for the benchmarks: the demo data, then generated users and tokens spread over the
 * demo's security domains, written with BatchWriteItem. The generated items are the very items the token
 * store writes: a token's by the store's own item function (tokenItemOf), a user's by the store itself,
 * its PutItem caught before it leaves the process.
 */
import { randomBytes } from 'node:crypto';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbTokenStore } from '../shared/adapters/dynamodb/dynamodb-token-store';
import { tokenItemOf } from '../shared/adapters/dynamodb/token-items';
import { createTableInput } from '../shared/adapters/dynamodb/table-schema';
import type { Token } from '../shared/domain/model';
import { createVerifier } from '../shared/domain/verifier';
import type { Pepper } from '../shared/ports/pepper';
import type { Sealer } from '../shared/ports/sealer';
import { createPinVerifier } from '../shared/use-cases/code-verifier';
import { DEMO_DOMAINS } from '../local/demo-data';
import { DUMMY_CREDENTIALS } from '../local/engines';

const LAST_NAMES = [
  'Miller', 'Smith', 'Jones', 'Garcia', 'Brown', 'Davis', 'Wilson', 'Moore', 'Taylor', 'Thomas',
  'Jackson', 'White', 'Harris', 'Martin', 'Thompson', 'Young', 'King', 'Wright', 'Lopez', 'Hill',
]; // prettier-ignore
const FIRST_NAMES = ['Ann', 'Ben', 'Cleo', 'Dan', 'Eva', 'Finn', 'Gus', 'Hana', 'Ivo', 'Jo', 'Kai'];
/** The last name searched for: one in LAST_NAMES.length of the generated users has it. */
export const SEARCHED_LAST_NAME = LAST_NAMES[0]!;
export const GENERATED_PIN = '482916';
/** The TOTP seed of every generated token (only the benchmark logs in with them). */
export const GENERATED_SEED = Buffer.from('bench-generated-seed');

export interface GeneratedUser {
  userId: string;
  serial: string;
  securityDomain: string;
}

/** The i-th generated user: the domains in turn, names cycling through the lists above. */
export function generatedUser(
  i: number,
  prefix = 'g',
  domains: readonly string[] = Object.keys(DEMO_DOMAINS),
): GeneratedUser & { firstName: string; lastName: string } {
  return {
    userId: `${prefix}${i}`,
    serial: `9${prefix === 'g' ? '0' : '1'}${String(i).padStart(10, '0')}`,
    securityDomain: domains[i % domains.length]!,
    lastName: LAST_NAMES[i % LAST_NAMES.length]!,
    firstName: FIRST_NAMES[i % FIRST_NAMES.length]!,
  };
}

/** The marshalled item, as the store's document client marshals it. */
export const marshalledItem = (item: Record<string, unknown>): Record<string, AttributeValue> =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });

/** A store whose writes never leave the process: each PutItem's marshalled item is handed to `take`. */
function capturingStore(take: (item: Record<string, AttributeValue>) => void): DynamoDbTokenStore {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: DUMMY_CREDENTIALS,
  });
  client.middlewareStack.add(
    () => async (args) => {
      // The document client's input, before it is marshalled: marshalled here as it would be.
      take(marshalledItem((args.input as { Item: Record<string, unknown> }).Item));
      return { output: { $metadata: {} } as never, response: {} };
    },
    { step: 'serialize', priority: 'high', name: 'benchCapture' },
  );
  return new DynamoDbTokenStore(client, { tableName: 'captured' });
}

/** The items the token store writes while `write` runs, caught before they leave the process. */
export async function capturedItems(
  write: (store: DynamoDbTokenStore) => Promise<void>,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  await write(capturingStore((item) => items.push(item)));
  return items;
}

/** Parallel BatchWriteItem calls: DynamoDB Local's writes, not the client, bound the seeding. */
const WRITERS = 16;
/** Users built (through the capturing store) per chunk; a chunk is written while the next is built. */
const CHUNK = 2_500;

/** Writes `items`, 25 per BatchWriteItem, WRITERS calls at a time, retrying what comes back unprocessed. */
export async function batchWrite(
  client: DynamoDBClient,
  tableName: string,
  items: readonly Record<string, AttributeValue>[],
): Promise<void> {
  let next = 0;
  const writer = async () => {
    while (next < items.length) {
      let requests = items.slice(next, (next += 25)).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1_000, 20 * 2 ** attempt)));
        const result = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
        );
        requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
}

export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new CreateTableCommand(createTableInput(tableName)));
}

export interface SeedOptions {
  count: number;
  /** The first generated user's index (`generatedUser`): to grow a table already seeded up to `from`. */
  from?: number;
  prefix?: string;
  domains?: readonly string[];
  /**
   * Each token's PIN verifier peppered and bound to its serial, as a PIN set through the API is (the users
   * who log in); without, one unpeppered verifier serves them all (search only).
   */
  pepper?: Pepper;
  /** Also each user's profile item (true); searches read only token items. */
  users?: boolean;
}

/**
 * Writes generated users and their securid tokens (PIN GENERATED_PIN, seed GENERATED_SEED) into the table,
 * in chunks: a chunk's items are made while the previous chunk is being written with BatchWriteItem.
 */
export async function seedUsers(
  client: DynamoDBClient,
  tableName: string,
  sealer: Sealer,
  options: SeedOptions,
): Promise<GeneratedUser[]> {
  const { count, from = 0, prefix = 'g', domains, pepper, users: withUsers = true } = options;
  let items: Record<string, AttributeValue>[] = [];
  const store = capturingStore((item) => items.push(item));
  const shared = await createVerifier(GENERATED_PIN);
  const users: GeneratedUser[] = [];
  let writing: Promise<void> = Promise.resolve();
  for (let i = from; i < from + count; i++) {
    const { userId, serial, securityDomain, firstName, lastName } = generatedUser(i, prefix, domains);
    if (withUsers) await store.saveUser({ userId, firstName, lastName, securityDomain, version: 0 });
    const token: Token = {
      serial,
      kind: 'securid',
      enabled: true,
      user: { userId, firstName, lastName },
      securityDomain,
      digits: 6,
      sealedSeed: await sealer.seal(GENERATED_SEED, { purpose: 'totp-seed', serial, generation: 0 }),
      pinVerifier: pepper === undefined ? shared : await createPinVerifier({ pepper }, serial, GENERATED_PIN),
      lastOnlineAuthenticationAt: null,
      version: 0,
    };
    items.push(marshalledItem(tokenItemOf(token)));
    users.push({ userId, serial, securityDomain });
    if (users.length % CHUNK === 0 || i === from + count - 1) {
      const chunk = items;
      items = [];
      await writing;
      writing = batchWrite(client, tableName, chunk);
    }
  }
  await writing;
  return users;
}

export const uniqueTableName = (what: string) => `eat-bench-${what}-${randomBytes(4).toString('hex')}`;
