import { identityEventOf, type IdentityEvent, type TokenOwner } from '../domain/identity-events';
import type { OutboxEvent } from '../domain/model';
import type { EventPublisher } from '../ports/event-publisher';
import type { TokenStore } from '../ports/token-store';

export interface PublishDependencies {
  store: Pick<TokenStore, 'getTokenOverview'>;
  regionName: string;
  publisher: EventPublisher;
}

export interface PublishResult {
  published: number;
  /** Audit events of acts the identity team is not told of. */
  notPublished: number;
  /** Events of other regions: each region publishes its own (they reach this table by replication). */
  otherRegions: number;
}

/**
 * Publishes the identity events of newly written audit events of this region, with the token's owner read
 * once per token (no secret: the projected overview). Throws when the publisher did not take them all, so
 * that the stream delivers the batch again: at least once, deduplicated on `detail.eventId`.
 */
export async function publishIdentityEvents(
  deps: PublishDependencies,
  events: readonly OutboxEvent[],
): Promise<PublishResult> {
  const own = events.filter((event) => event.region === deps.regionName);
  const owners = new Map<string, Promise<TokenOwner | null>>();
  const ownerOf = (serial: string) => {
    let owner = owners.get(serial);
    if (owner === undefined) {
      owner = deps.store
        .getTokenOverview(serial)
        .then((overview) =>
          overview === null
            ? null
            : { userId: overview.token.user?.userId ?? null, securityDomain: overview.token.securityDomain },
        );
      owners.set(serial, owner);
    }
    return owner;
  };
  const published: IdentityEvent[] = [];
  for (const event of own) {
    if (identityEventOf(event, null) === null) continue;
    const identity = identityEventOf(event, await ownerOf(event.serial));
    if (identity !== null) published.push(identity);
  }
  if (published.length > 0) await deps.publisher.publish(published);
  return {
    published: published.length,
    notPublished: own.length - published.length,
    otherRegions: events.length - own.length,
  };
}
