/**
 * The audit outbox's materializer for DynamoDB Local: what the deployed stream-triggered function
 * (functions/audit-outbox.ts) does, by polling one region's table stream. Each pass reads the stream's new
 * records and appends the outbox events of this region's writes through the same use case. An append that
 * fails is kept and tried again next pass (appending is idempotent per event id).
 */
import { outboxEventsOfImage, type StreamImage } from '../shared/adapters/dynamodb/audit-outbox';
import { DynamoDbTokenStore } from '../shared/adapters/dynamodb/dynamodb-token-store';
import type { OutboxEvent } from '../shared/domain/model';
import { materializeAuditOutbox } from '../shared/use-cases/audit';
import { readStream, type RegionStream } from './replicator';
import { openRegionStream, StreamPoller, type StreamPass, type StreamPollerOptions } from './stream-poller';

export type AuditMaterializerOptions = StreamPollerOptions;

/** A pass: records read, events appended, events of other regions (theirs to append), events kept. */
export type MaterializerPass = StreamPass<'appended' | 'otherRegions'>;

export class LocalAuditMaterializer extends StreamPoller<'appended' | 'otherRegions'> {
  private retry: OutboxEvent[] = [];
  protected readonly refused = 'appended';

  private constructor(
    stream: RegionStream,
    private readonly deps: { store: DynamoDbTokenStore; regionName: string },
    pollIntervalMs?: number,
  ) {
    super(stream, pollIntervalMs);
  }

  static async open(options: AuditMaterializerOptions): Promise<LocalAuditMaterializer> {
    const { client, tableName, regionName } = options;
    return new LocalAuditMaterializer(
      await openRegionStream(options),
      { store: new DynamoDbTokenStore(client, { tableName }), regionName },
      options.pollIntervalMs,
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
}
