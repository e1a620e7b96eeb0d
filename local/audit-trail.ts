/**
 * The audit trail's stream consumer for DynamoDB Local: what the deployed function (functions/audit-trail.ts)
 * does, by polling one region's table stream. Each pass reads the new `AUDIT#` items and hands this region's
 * to the same use cases (chained, then published); a pass that fails keeps its events and offers them again, whole, on the next (as
 * the event source retries a batch: at least once).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { auditEventOfRecord, type AuditStreamRecord } from '../shared/adapters/dynamodb/audit-stream';
import { DynamoDbTokenStore } from '../shared/adapters/dynamodb/dynamodb-token-store';
import type { OutboxEvent } from '../shared/domain/model';
import type { EventPublisher } from '../shared/ports/event-publisher';
import { DynamoDbAuditChainStore } from '../shared/adapters/dynamodb/dynamodb-audit-chain';
import type { AuditChainStore } from '../shared/ports/audit-chain-store';
import { chainAuditEvents } from '../shared/use-cases/audit-chain';
import { publishIdentityEvents } from '../shared/use-cases/publish-events';
import { openStream, readStream, type RegionStream } from './replicator';

export interface LocalAuditTrailOptions {
  client: DynamoDBClient;
  tableName: string;
  regionName: string;
  publisher: EventPublisher;
  /** The chain store (a DynamoDB one on the table by default). */
  chain?: AuditChainStore;
  /** `start`: from the oldest record the stream keeps (the default); `now`: only later writes. */
  from?: 'start' | 'now';
  /** The pause between passes when it runs on its own (`start`). Default 200 ms. */
  pollIntervalMs?: number;
}

export interface AuditTrailPass {
  records: number;
  published: number;
  chained: number;
  /** Events kept for the next pass after a failure. */
  retrying: number;
}

export class LocalAuditTrail {
  private pending: OutboxEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  lastError: unknown;

  private constructor(
    private readonly stream: RegionStream,
    private readonly deps: {
      store: DynamoDbTokenStore;
      chain: AuditChainStore;
      regionName: string;
      publisher: EventPublisher;
    },
    private readonly pollIntervalMs: number,
  ) {}

  static async open(options: LocalAuditTrailOptions): Promise<LocalAuditTrail> {
    const { client, tableName, regionName, publisher } = options;
    const stream = await openStream({ name: regionName, client, tableName }, options.from ?? 'start');
    return new LocalAuditTrail(
      stream,
      {
        store: new DynamoDbTokenStore(client, { tableName }),
        chain: options.chain ?? new DynamoDbAuditChainStore(client, tableName),
        regionName,
        publisher,
      },
      options.pollIntervalMs ?? 200,
    );
  }

  async runOnce(): Promise<AuditTrailPass> {
    let records = 0;
    await readStream(this.stream, (record) => {
      records += 1;
      const event = auditEventOfRecord(record as AuditStreamRecord);
      if (event !== null) this.pending.push(event);
    });
    const batch = this.pending;
    try {
      const { chained } = await chainAuditEvents(this.deps, batch);
      const { published } = await publishIdentityEvents(this.deps, batch);
      this.pending = this.pending.slice(batch.length);
      return { records, published, chained, retrying: 0 };
    } catch (error) {
      this.lastError = error;
      return { records, published: 0, chained: 0, retrying: batch.length };
    }
  }

  /** Passes until one reads nothing and has nothing to retry; throws if events are still refused then. */
  async drain(): Promise<AuditTrailPass> {
    const total: AuditTrailPass = { records: 0, published: 0, chained: 0, retrying: 0 };
    for (;;) {
      const pass = await this.runOnce();
      total.records += pass.records;
      total.published += pass.published;
      total.chained += pass.chained;
      total.retrying = pass.retrying;
      if (pass.records === 0 && pass.retrying === 0) return total;
      if (pass.records === 0) throw new Error(`${pass.retrying} audit events could not be published`);
    }
  }

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
