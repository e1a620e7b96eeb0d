import { ConflictError, isConflict } from '../domain/errors';
import { ownCounters, sameRegionalCounters } from '../domain/lockout';
import type { OutboxEvent, RegionalCounters, TokenState } from '../domain/model';
import { appendAuditEvents } from './audit';
import type { UseCaseDependencies } from './context';

const ATTEMPTS = 5;

/**
 * Applies `change` to this region's lockout item (seeing every region's items) and saves it conditionally;
 * on a lost race in this region, reads the token again and applies it to what is there, so concurrent
 * attempts each count. `change` may return null to give up (what it saw forbids the change); the result
 * is then null. Nothing is written when nothing changes. Returns the items as they stand after the write.
 * `audit` gives the audit events of the write about to be made (the items it saw, the item it writes):
 * they are stored in its outbox, then appended; a write that loses its race takes its events with it.
 */
export async function updateCounters(
  deps: UseCaseDependencies,
  state: TokenState,
  change: (items: readonly RegionalCounters[], own: RegionalCounters) => RegionalCounters | null,
  audit: (items: readonly RegionalCounters[], next: RegionalCounters) => OutboxEvent[] = () => [],
): Promise<RegionalCounters[] | null> {
  let items = state.items.counters;
  for (let attempt = 1; ; attempt++) {
    const own = ownCounters(items, state.token.serial, deps.regionName);
    const next = change(items, own);
    if (next === null) return null;
    if (sameRegionalCounters(next, own)) return items;
    const events = audit(items, next);
    let saved: RegionalCounters;
    try {
      saved = await deps.store.saveRegionalCounters(next, events);
    } catch (error) {
      if (!isConflict(error) || attempt >= ATTEMPTS) throw error;
      const again = await deps.store.getTokenState(state.token.serial);
      if (again === null) throw new ConflictError('The token went away');
      items = again.items.counters;
      continue;
    }
    await appendAuditEvents(deps, events);
    return [...items.filter((c) => c.region !== saved.region), saved];
  }
}
