/**
 * One region's table stream consumed by polling, as the local stand-in for a stream-triggered function
 * (local/audit-materializer.ts, local/audit-trail.ts): `runOnce` reads the new records and handles them,
 * keeping what failed for the next pass; `start` runs a pass every poll interval until `stop`; `drain`
 * passes until everything written before the call is done.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { openStream, type RegionStream } from './replicator';

/** What every pass counts: the records it read, what it keeps for the next pass, and its own figures. */
export type StreamPass<Figures extends string> = Record<Figures | 'records' | 'retrying', number>;

export interface StreamPollerOptions {
  client: DynamoDBClient;
  tableName: string;
  regionName: string;
  /** `start`: from the oldest record the stream keeps (the default); `now`: only later writes. */
  from?: 'start' | 'now';
  /** The pause between passes when it runs on its own (`start`). Default 200 ms. */
  pollIntervalMs?: number;
}

export const openRegionStream = (options: StreamPollerOptions): Promise<RegionStream> =>
  openStream(
    { name: options.regionName, client: options.client, tableName: options.tableName },
    options.from ?? 'start',
  );

export abstract class StreamPoller<Figures extends string> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  lastError: unknown;

  protected constructor(
    protected readonly stream: RegionStream,
    private readonly pollIntervalMs = 200,
  ) {}

  /** One pass over the stream's new records, and what was kept from the last pass. */
  abstract runOnce(): Promise<StreamPass<Figures>>;

  /** What a pass that keeps events when the stream has nothing more says they could not be. */
  protected abstract readonly refused: string;

  /** Passes until one reads no record and keeps nothing; throws if events are still refused then. */
  async drain(): Promise<StreamPass<Figures>> {
    let total: StreamPass<Figures> | undefined;
    for (;;) {
      const pass = await this.runOnce();
      total = total === undefined ? pass : sumOf(total, pass);
      if (pass.records === 0 && pass.retrying === 0) return total;
      if (pass.records === 0) throw new Error(`${pass.retrying} audit events could not be ${this.refused}`);
    }
  }

  /** Runs a pass every poll interval until `stop`. */
  start(): this {
    const tick = () => {
      this.running = this.runOnce()
        .catch((error: unknown) => (this.lastError = error))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.pollIntervalMs).unref();
        });
    };
    tick();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.stream.streams.destroy();
  }
}

/** The passes' figures added up; `retrying` is the last pass's. */
function sumOf<P extends Record<string, number>>(total: P, pass: P): P {
  const sum: Record<string, number> = { ...total };
  for (const [key, value] of Object.entries(pass)) sum[key] = key === 'retrying' ? value : sum[key]! + value;
  return sum as P;
}
