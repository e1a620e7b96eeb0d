/**
 * Counting what a request costs in calls: DynamoDB calls through an SDK middleware on the client handed to
 * the store, KMS calls (sealer and pepper) through wrappers around the ports, and round trips: a call that
 * starts while no other call of the request is in flight begins a new one (calls made in parallel share it).
 * Meaningful for one request at a time.
 */
import * as dynamodb from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Pepper } from '../shared/ports/pepper';
import type { Sealer } from '../shared/ports/sealer';

/** A DynamoDB call as it went on the wire: its operation, its JSON body (the low-level input), its round trip. */
export interface RecordedCall {
  operation: string;
  input: Record<string, unknown>;
  roundTrip: number;
}

export class CallCounter {
  byOperation: Record<string, number> = {};
  roundTrips = 0;
  /** The DynamoDB calls since the last reset, to be replayed raw (bareReplay). */
  recorded: RecordedCall[] = [];
  private inFlight = 0;

  reset(): void {
    this.byOperation = {};
    this.roundTrips = 0;
    this.recorded = [];
  }

  get dynamoDbCalls(): number {
    return this.sum((op) => !op.startsWith('KMS '));
  }

  get kmsCalls(): number {
    return this.sum((op) => op.startsWith('KMS '));
  }

  private sum(which: (op: string) => boolean): number {
    return Object.entries(this.byOperation)
      .filter(([op]) => which(op))
      .reduce((total, [, n]) => total + n, 0);
  }

  async count<T>(operation: string, call: () => Promise<T>): Promise<T> {
    this.byOperation[operation] = (this.byOperation[operation] ?? 0) + 1;
    if (this.inFlight === 0) this.roundTrips += 1;
    this.inFlight += 1;
    try {
      return await call();
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Counts every command the client sends (the store's document client shares its middleware stack). */
  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => (args) =>
        this.count((context.commandName ?? 'unknown').replace(/Command$/, ''), () => next(args)),
      { step: 'initialize', name: 'benchCallCounter', override: true },
    );
    // After serialisation: the request's body is the low-level client's input, whatever command sent it
    // (the store's document client marshals its input just before this step).
    client.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers: Record<string, string>; body?: unknown };
        const target = request.headers['x-amz-target'] ?? '';
        this.recorded.push({
          operation: target.slice(target.indexOf('.') + 1),
          input: JSON.parse(textOf(request.body)) as Record<string, unknown>,
          roundTrip: this.roundTrips,
        });
        return next(args);
      },
      { step: 'build', name: 'benchCallRecorder', override: true },
    );
  }

  /** The sealer, each call counted as the KMS call it is when deployed. */
  sealer(inner: Sealer): Sealer {
    return {
      seal: (plaintext, context) => this.count('KMS Encrypt', () => inner.seal(plaintext, context)),
      open: (sealed, context) => this.count('KMS Decrypt', () => inner.open(sealed, context)),
    };
  }

  pepper(inner: Pepper): Pepper {
    return { mac: (secret, context) => this.count('KMS GenerateMac', () => inner.mac(secret, context)) };
  }
}

const textOf = (body: unknown): string =>
  body instanceof Uint8Array
    ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
    : String(body);

type RawCommand = new (input: Record<string, unknown>) => Parameters<DynamoDBClient['send']>[0];

/** A call lost on a condition the request had met (its item written since): still a round trip. */
const LOST_CONDITION = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException']);

/**
 * The recorded calls sent again with the bare SDK client, wave by wave as the request made them (a round
 * trip's calls in parallel, the round trips one after another): the request's own I/O without the
 * function's work. A conditional write whose condition no longer holds is answered all the same.
 */
export function bareReplay(client: DynamoDBClient, calls: readonly RecordedCall[]): () => Promise<void> {
  const waves = new Map<number, RecordedCall[]>();
  for (const call of calls) waves.set(call.roundTrip, [...(waves.get(call.roundTrip) ?? []), call]);
  const commands = dynamodb as unknown as Record<string, RawCommand>;
  return async () => {
    for (const wave of waves.values()) {
      await Promise.all(
        wave.map(async ({ operation, input }) => {
          const Command = commands[`${operation}Command`];
          if (Command === undefined) throw new Error(`no SDK command for ${operation}`);
          try {
            await client.send(new Command(input));
          } catch (error) {
            if (!LOST_CONDITION.has((error as { name?: string }).name ?? '')) throw error;
          }
        }),
      );
    }
  };
}
