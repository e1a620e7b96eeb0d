/**
 * The regions' view of a change (issue 17): whether each region's copy of a token already has what an
 * administrator saved in one region. A save writes items that only its region writes (regional-state.ts):
 * that region's administrators' settings (reset, online use, enabled, PIN) and its lockout item (unlock).
 * Each such item's version only grows, and the global table copies it whole, so another region has the
 * change exactly when its copy of the item is at the written version or later.
 */

/** The items a region writes alone for a token, by what they hold. */
export const REGIONAL_ITEMS = ['administrators-settings', 'lockout'] as const;
export type RegionalItem = (typeof REGIONAL_ITEMS)[number];

/** One region's copy of one of those items: version 0 when it has none. */
export interface ItemVersion {
  item: RegionalItem;
  version: number;
  /** When the item's facts were last changed, as far as it says without secrets; null if it does not. */
  changedAt: string | null;
}

export type RegionState = 'origin' | 'replicated' | 'pending' | 'unreachable';

export interface RegionReplication {
  region: string;
  /** `origin`: the region that wrote the change and answers; `unreachable`: its table did not answer. */
  state: RegionState;
  /** Its copy of each item written (null when unreachable). */
  items: { item: RegionalItem; version: number }[] | null;
}

export interface ReplicationView {
  serial: string;
  /** The region whose writes are followed: the one that answered, where the change was saved. */
  writtenIn: string;
  written: ItemVersion[];
  /** The latest time any written item says it changed; null when nothing says. */
  changedAt: string | null;
  checkedAt: string;
  regions: RegionReplication[];
  replicatedEverywhere: boolean;
}

/** A region's copy as read: its items, or null when its table did not answer. */
export interface RegionCopy {
  region: string;
  items: readonly ItemVersion[] | null;
}

function versionIn(items: readonly ItemVersion[], item: RegionalItem): number {
  return items.find((i) => i.item === item)?.version ?? 0;
}

/** Compares each region's copy with what the writing region holds of its own items. */
export function replicationView(input: {
  serial: string;
  writtenIn: string;
  written: readonly ItemVersion[];
  copies: readonly RegionCopy[];
  checkedAt: Date;
}): ReplicationView {
  const written = REGIONAL_ITEMS.map(
    (item) => input.written.find((i) => i.item === item) ?? { item, version: 0, changedAt: null },
  );
  const regions = input.copies.map(({ region, items }): RegionReplication => {
    if (region === input.writtenIn) {
      return { region, state: 'origin', items: written.map(({ item, version }) => ({ item, version })) };
    }
    if (items === null) return { region, state: 'unreachable', items: null };
    const copy = written.map(({ item }) => ({ item, version: versionIn(items, item) }));
    const has = written.every(({ item, version }) => versionIn(items, item) >= version);
    return { region, state: has ? 'replicated' : 'pending', items: copy };
  });
  const times = written.flatMap((i) => (i.changedAt === null ? [] : [i.changedAt]));
  return {
    serial: input.serial,
    writtenIn: input.writtenIn,
    written,
    changedAt: times.reduce<string | null>((a, b) => (a === null || b > a ? b : a), null),
    checkedAt: input.checkedAt.toISOString(),
    regions,
    replicatedEverywhere: regions.every((r) => r.state === 'origin' || r.state === 'replicated'),
  };
}

/**
 * When an administrators' settings item last changed: the newest time of its registers and its reset
 * request (each write stamps what it changes). The PIN register is not read here (it holds the verifier).
 */
export function settingsChangedAt(item: {
  registers?: Partial<Record<string, { at?: string } | undefined>>;
  reset?: { at?: string } | null;
}): string | null {
  const times = [...Object.values(item.registers ?? {}).map((entry) => entry?.at), item.reset?.at].filter(
    (at): at is string => typeof at === 'string',
  );
  return times.reduce<string | null>((a, b) => (a === null || b > a ? b : a), null);
}
