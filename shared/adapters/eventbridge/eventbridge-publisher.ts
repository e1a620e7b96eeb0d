/**
 * Identity events to an EventBridge bus (this region's own, or the default bus), ten to a PutEvents call
 * (its limit). An entry EventBridge did not take is sent once more; if any is still refused the publish
 * fails, and the stream delivers the whole batch again (consumers deduplicate on `detail.eventId`).
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { IdentityEvent } from '../../domain/identity-events';
import { DependencyUnavailableError } from '../../domain/errors';
import type { EventPublisher } from '../../ports/event-publisher';

const ENTRIES_PER_CALL = 10;

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    /** A bus name or ARN; `default` for the account's default bus. */
    private readonly eventBusName: string,
  ) {}

  async publish(events: readonly IdentityEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += ENTRIES_PER_CALL) {
      let entries = events.slice(start, start + ENTRIES_PER_CALL).map((event) => this.entryOf(event));
      for (let attempt = 0; entries.length > 0; attempt += 1) {
        if (attempt === 2) throw new DependencyUnavailableError('EventBridge');
        entries = await this.put(entries);
      }
    }
  }

  /** The entries EventBridge did not take. */
  private async put(entries: PutEventsRequestEntry[]): Promise<PutEventsRequestEntry[]> {
    const reply = await this.client
      .send(new PutEventsCommand({ Entries: entries }))
      .catch((error: unknown) => {
        throw new DependencyUnavailableError('EventBridge', { cause: error });
      });
    if (!reply.FailedEntryCount) return [];
    return entries.filter((_, index) => reply.Entries?.[index]?.ErrorCode !== undefined);
  }

  private entryOf(event: IdentityEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.eventBusName,
      Source: event.source,
      DetailType: event.detailType,
      Time: new Date(event.time),
      Resources: [],
      Detail: JSON.stringify(event.detail),
    };
  }
}
