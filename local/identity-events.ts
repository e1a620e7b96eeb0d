/**
 * The identity events of the local system: each is printed as one line (no secret is in an event) and, if
 * `EAT_EVENTS_WEBHOOK` names a URL, POSTed to it as JSON, one event per request, in EventBridge's envelope
 * (`id`, `source`, `detail-type`, `time`, `region`, `detail`). A webhook that does not answer 2xx fails
 * the publish, and the local audit trail consumer offers the events again on its next pass.
 */
import type { IdentityEvent } from '../shared/domain/identity-events';
import type { EventPublisher } from '../shared/ports/event-publisher';

export interface LocalEventPublisherOptions {
  /** Where each event is printed; nothing is printed when absent. */
  print?: (line: string) => void;
  /** The URL events are POSTed to. */
  webhookUrl?: string;
  /** The webhook's timeout per request. Default 5 s. */
  timeoutMs?: number;
}

/** EventBridge's envelope, as a rule's target receives it. */
export function envelopeOf(event: IdentityEvent) {
  return {
    version: '0',
    id: event.detail.eventId,
    source: event.source,
    'detail-type': event.detailType,
    time: event.time,
    region: event.detail.region,
    resources: [],
    detail: event.detail,
  };
}

export function eventLine(event: IdentityEvent): string {
  const { detail } = event;
  const generation =
    detail.details.generation === undefined ? '' : ` generation ${detail.details.generation}`;
  return (
    `event: ${detail.region}  ${event.detailType}  token ${detail.serial}${generation}` +
    `  user ${detail.userId ?? '-'}  by ${detail.actor}  (${detail.eventId})`
  );
}

export class LocalEventPublisher implements EventPublisher {
  constructor(private readonly options: LocalEventPublisherOptions = {}) {}

  async publish(events: readonly IdentityEvent[]): Promise<void> {
    for (const event of events) {
      if (this.options.webhookUrl !== undefined) await this.post(this.options.webhookUrl, event);
      this.options.print?.(eventLine(event));
    }
  }

  private async post(url: string, event: IdentityEvent): Promise<void> {
    const reply = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(envelopeOf(event)),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    await reply.body?.cancel();
    if (!reply.ok) throw new Error(`The events webhook answered ${reply.status}`);
  }
}
