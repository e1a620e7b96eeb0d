/**
 * The audit outbox's materializer for DynamoDB Local: what the deployed stream-triggered function
 * (functions/audit-outbox.ts) does, by polling one region's table stream. Each pass reads the stream's new
 * records and appends the outbox events of this region's writes through the same use case. An append that
 * fails is kept and tried again next pass (appending is idempotent per event id).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { outboxEventsOfImage, type StreamImage } from '../shared/adapters/dynamodb/audit-outbox';
import { DynamoDbTokenStore } from '../shared/adapters/dynamodb/dynamodb-token-store';
import type { OutboxEvent } from '../shared/domain/model';
import { materializeAuditOutbox } from '../shared/use-cases/audit';
import { openStream, readStream, type RegionStream } from './replicator';

export interface AuditMaterializerOptions {
  client: DynamoDBClient;
  tableName: string;
  /** The region whose events it appends (REGION_NAME of the region's functions). */
  regionName: string;
  /** `start`: from the oldest record the stream keeps (the default); `now`: only later writes. */
  from?: 'start' | 'now';
  /** The pause between passes when it runs on its own (`start`). Default 200 ms. */
  pollIntervalMs?: number;
}

export interface MaterializerPass {
  records: number;
  appended: number;
  otherRegions: number;
  /** Events whose append failed this pass, kept for the next. */
  retrying: number;
}

export class LocalAuditMaterializer {
  private retry: OutboxEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  lastError: unknown;

  private constructor(
    private readonly stream: RegionStream,
    private readonly deps: { store: DynamoDbTokenStore; regionName: string },
    private readonly pollIntervalMs: number,
  ) {}

  static async open(options: AuditMaterializerOptions): Promise<LocalAuditMaterializer> {
    const { client, tableName, regionName } = options;
    const stream = await openStream({ name: regionName, client, tableName }, options.from ?? 'start');
    return new LocalAuditMaterializer(
      stream,
      { store: new DynamoDbTokenStore(client, { tableName }), regionName },
      options.pollIntervalMs ?? 200,
    );
  }

  /** One pass over the stream's new records. */
  async runOnce(): Promise<MaterializerPass> {
    const events = this.retry;
    let records = 0;
    await readStream(this.stream, (record) => {
      records += 1;
      events.push(...outboxEventsOfImage(record.dynamodb?.NewImage as StreamImage | undefined));
    });
    this.retry = [];
    const pass: MaterializerPass = { records, appended: 0, otherRegions: 0, retrying: 0 };
    for (const event of events) {
      try {
        const result = await materializeAuditOutbox(this.deps, [event]);
        pass.appended += result.appended;
        pass.otherRegions += result.otherRegions;
      } catch (error) {
        this.lastError = error;
        this.retry.push(event);
      }
    }
    pass.retrying = this.retry.length;
    return pass;
  }

  /** Passes until one reads no record and has nothing to retry: everything written before the call is done. */
  async drain(): Promise<MaterializerPass> {
    const total: MaterializerPass = { records: 0, appended: 0, otherRegions: 0, retrying: 0 };
    for (;;) {
      const pass = await this.runOnce();
      total.records += pass.records;
      total.appended += pass.appended;
      total.otherRegions += pass.otherRegions;
      total.retrying = pass.retrying;
      if (pass.records === 0 && pass.retrying === 0) return total;
      if (pass.records === 0) throw new Error(`${pass.retrying} audit events could not be appended`);
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
