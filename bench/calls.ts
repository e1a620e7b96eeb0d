/**
 * Counting what a request costs in calls: DynamoDB calls through an SDK middleware on the client handed to
 * the store, KMS calls (sealer and pepper) through wrappers around the ports, and round trips: a call that
 * starts while no other call of the request is in flight begins a new one (calls made in parallel share it).
 * Meaningful for one request at a time.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Pepper } from '../shared/ports/pepper';
import type { Sealer } from '../shared/ports/sealer';

export class CallCounter {
  byOperation: Record<string, number> = {};
  roundTrips = 0;
  private inFlight = 0;

  reset(): void {
    this.byOperation = {};
    this.roundTrips = 0;
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
