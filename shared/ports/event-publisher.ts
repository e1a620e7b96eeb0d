import type { IdentityEvent } from '../domain/identity-events';

/**
 * Where identity events go (EventBridge deployed; printed and offered to a webhook locally). `publish`
 * resolves once every event was accepted, and throws otherwise, so that the caller delivers them again:
 * at least once, each with its `detail.eventId` to deduplicate on.
 */
export interface EventPublisher {
  publish(events: readonly IdentityEvent[]): Promise<void>;
}
