/**
 * The audit trail's stream consumer for DynamoDB Local: what the deployed function (functions/audit-trail.ts)
 * does, by polling one region's table stream. Each pass reads the new `AUDIT#` items and hands this region's
 * to the same use cases (chained, then published); a pass that fails keeps its events and offers them again, whole, on the next (as
 * the event source retries a batch: at least once).
 */
import { auditEventOfRecord, type AuditStreamRecord } from '../shared/adapters/dynamodb/audit-stream';
import { DynamoDbTokenStore } from '../shared/adapters/dynamodb/dynamodb-token-store';
import type { OutboxEvent } from '../shared/domain/model';
import type { EventPublisher } from '../shared/ports/event-publisher';
import { DynamoDbAuditChainStore } from '../shared/adapters/dynamodb/dynamodb-audit-chain';
import type { AuditChainStore } from '../shared/ports/audit-chain-store';
import { chainAuditEvents } from '../shared/use-cases/audit-chain';
import { publishIdentityEvents } from '../shared/use-cases/publish-events';
import { readStream, type RegionStream } from './replicator';
import { openRegionStream, StreamPoller, type StreamPass, type StreamPollerOptions } from './stream-poller';

export interface LocalAuditTrailOptions extends StreamPollerOptions {
  publisher: EventPublisher;
  /** The chain store (a DynamoDB one on the table by default). */
  chain?: AuditChainStore;
}

/** A pass: records read, events published and chained, events kept for the next pass after a failure. */
export type AuditTrailPass = StreamPass<'published' | 'chained'>;

export class LocalAuditTrail extends StreamPoller<'published' | 'chained'> {
  private pending: OutboxEvent[] = [];
  protected readonly refused = 'published';

  private constructor(
    stream: RegionStream,
    private readonly deps: {
      store: DynamoDbTokenStore;
      chain: AuditChainStore;
      regionName: string;
      publisher: EventPublisher;
    },
    pollIntervalMs?: number,
  ) {
    super(stream, pollIntervalMs);
  }

  static async open(options: LocalAuditTrailOptions): Promise<LocalAuditTrail> {
    const { client, tableName, regionName, publisher } = options;
    return new LocalAuditTrail(
      await openRegionStream(options),
      {
        store: new DynamoDbTokenStore(client, { tableName }),
        chain: options.chain ?? new DynamoDbAuditChainStore(client, tableName),
        regionName,
        publisher,
      },
      options.pollIntervalMs,
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
}
