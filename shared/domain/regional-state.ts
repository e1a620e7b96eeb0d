/**
 * A token's state as several regions write it at once (docs/design.md "Two regions writing at once"). Global tables settle a
 * conflict per item, the later write winning whole; so every fact that two writers change lives in items
 * that only one region writes, and readers merge them here:
 *
 * - administrators' settings (enabled, PIN, online use, reset): one item per region. The first three are
 *   registers: the entry that no other region's entry has seen past wins, and of entries written
 *   concurrently (neither saw the other) the narrowing value wins. Reset requests merge by the highest
 *   generation asked against;
 * - lockout: one item per region whose failure totals only grow (lockout.ts);
 * - issued codes: one item per generation, the newest current, so an expiry of an older generation can
 *   never hide a newer one.
 * Only the token item (identity, seed, assignment) is written in any region; its last writer wins.
 */
import { mergeCounters } from './lockout';
import type {
  AdminSettings,
  EmergencyAccessSettings,
  IssuedEmergencyCode,
  RegisterEntry,
  RegisterFact,
  RegisterValues,
  RegionalCounters,
  Token,
  TokenItems,
  TokenOverview,
  TokenState,
} from './model';

/** What the registers are merged from: each region's admin item, of which only these are needed. */
type RegisterSource = Pick<AdminSettings, 'region' | 'registers'>;

type Regional<F extends RegisterFact> = RegisterEntry<F> & { region: string };

/**
 * How two concurrent writes of a fact settle: true when `a` wins over `b`. The value that narrows access
 * wins (disabled, online use off); for the PIN, the later write (each is a deliberate new secret).
 */
const CONCURRENT_WINNER: { [F in RegisterFact]: (a: Regional<F>, b: Regional<F>) => boolean } = {
  enabled: (a, b) => (a.value === b.value ? isLater(a, b) : a.value === false),
  onlineUse: (a, b) => (a.value === b.value ? isLater(a, b) : a.value === false),
  pin: (a, b) => isLater(a, b),
};

function isLater(a: { at: string; region: string }, b: { at: string; region: string }): boolean {
  return a.at > b.at || (a.at === b.at && a.region > b.region);
}

function entriesOf<F extends RegisterFact>(admin: readonly RegisterSource[], fact: F): Regional<F>[] {
  const entries: Regional<F>[] = [];
  for (const item of admin) {
    const entry = item.registers[fact] as RegisterEntry<F> | undefined;
    if (entry !== undefined) entries.push({ ...entry, region: item.region });
  }
  return entries;
}

/** The winning entry of a register, or null when no region wrote it. */
export function winningEntry<F extends RegisterFact>(
  admin: readonly RegisterSource[],
  fact: F,
): Regional<F> | null {
  const entries = entriesOf(admin, fact);
  // An entry is superseded when another region wrote knowing it (or a later write of its region).
  const latest = entries.filter(
    (entry) => !entries.some((other) => other !== entry && (other.seen[entry.region] ?? 0) >= entry.seq),
  );
  const wins = CONCURRENT_WINNER[fact] as (a: Regional<F>, b: Regional<F>) => boolean;
  return latest.reduce<Regional<F> | null>(
    (best, entry) => (best === null || wins(entry, best) ? entry : best),
    null,
  );
}

function registerValue<F extends RegisterFact>(
  admin: readonly RegisterSource[],
  fact: F,
  base: RegisterValues[F],
): RegisterValues[F] {
  const winner = winningEntry(admin, fact);
  return winner === null ? base : winner.value;
}

/** What an administrator changes in one write. */
export interface AdminChange {
  enabled?: boolean;
  pin?: RegisterValues['pin'];
  onlineUse?: boolean;
  /** Ask for a code newer than this generation. */
  resetAtGeneration?: number;
}

/**
 * This region's admin item after a change: each register written gets the next sequence number of this
 * region and has seen every entry read.
 */
export function nextAdminSettings(
  items: TokenItems,
  change: AdminChange,
  write: { region: string; at: Date; by: string },
): AdminSettings {
  const own = items.admin.find((a) => a.region === write.region);
  const at = write.at.toISOString();
  const registers = { ...own?.registers };
  const facts = (['enabled', 'pin', 'onlineUse'] as const).filter((f) => change[f] !== undefined);
  for (const fact of facts) {
    const seen: Record<string, number> = {};
    for (const entry of entriesOf(items.admin, fact)) seen[entry.region] = entry.seq;
    const seq = (own?.registers[fact]?.seq ?? 0) + 1;
    seen[write.region] = seq;
    (registers as Record<string, RegisterEntry>)[fact] = {
      value: change[fact]!,
      seq,
      seen,
      at,
      by: write.by,
    };
  }
  const reset =
    change.resetAtGeneration === undefined
      ? (own?.reset ?? null)
      : {
          generation: Math.max(change.resetAtGeneration, own?.reset?.generation ?? 0),
          at,
          by: write.by,
        };
  return {
    serial: items.token.serial,
    region: write.region,
    registers,
    reset,
    version: own?.version ?? 0,
  };
}

/** The items with this region's admin item replaced, as they read after the write. */
export function withAdminSettings(items: TokenItems, saved: AdminSettings): TokenItems {
  return { ...items, admin: [...items.admin.filter((a) => a.region !== saved.region), saved] };
}

export function newestIssued<T extends Pick<IssuedEmergencyCode, 'generation'>>(
  issued: readonly T[],
): T | null {
  return issued.reduce<T | null>(
    (newest, code) => (newest === null || code.generation > newest.generation ? code : newest),
    null,
  );
}

function mergedSettings(items: TokenItems): EmergencyAccessSettings {
  const onlineUse = winningEntry(items.admin, 'onlineUse');
  const resets = items.admin.flatMap((a) => (a.reset === null ? [] : [a.reset]));
  const reset = resets.reduce<(typeof resets)[number] | null>(
    (best, r) => (best === null || r.generation > best.generation ? r : best),
    null,
  );
  const changes = [onlineUse, reset].filter((c) => c !== null);
  const lastChange = changes.reduce<(typeof changes)[number] | null>(
    (a, b) => (a === null || b.at > a.at ? b : a),
    null,
  );
  return {
    serial: items.token.serial,
    onlineUseAllowed: onlineUse?.value ?? false,
    resetRequestedAtGeneration: reset?.generation ?? null,
    updatedAt: lastChange?.at ?? null,
    updatedBy: lastChange?.by ?? null,
  };
}

/** What every reader sees: the items of a token's partition merged. */
export function mergeTokenState(items: TokenItems): TokenState {
  const token: Token = {
    ...items.token,
    enabled: registerValue(items.admin, 'enabled', items.token.enabled),
    pinVerifier: registerValue(items.admin, 'pin', items.token.pinVerifier),
  };
  return {
    token,
    settings: mergedSettings(items),
    issued: newestIssued(items.issued),
    lockout: mergeCounters(items.token.serial, items.counters),
    items,
  };
}

/**
 * The same merge as mergeTokenState's over items read without their secrets (their registers but the
 * PIN's, their lockout, their codes' states): what search and the token details show.
 */
export function mergeTokenOverview(items: {
  token: TokenOverview['token'];
  admin: readonly RegisterSource[];
  counters: readonly RegionalCounters[];
  issued: readonly NonNullable<TokenOverview['issued']>[];
}): TokenOverview {
  const newest = newestIssued(items.issued);
  return {
    token: { ...items.token, enabled: registerValue(items.admin, 'enabled', items.token.enabled) },
    issued:
      newest === null
        ? null
        : { generation: newest.generation, state: newest.state, expiresAt: newest.expiresAt },
    lockout: mergeCounters(items.token.serial, items.counters),
  };
}

/** The items of a token that has nothing but its token item. */
export function itemsOfNewToken(token: Token): TokenItems {
  return { token, admin: [], counters: [], issued: [] };
}

/**
 * A short tag of the items a view shows: any write to one of them (here or replicated) changes it. The
 * regional items only grow in version; the token item, which any region writes, counts with its content.
 */
export function tagOf(items: TokenItems, withIssued: boolean): string {
  const { token } = items;
  const parts = [
    `t${token.version}:${token.user?.userId ?? ''}:${token.securityDomain}`,
    ...items.admin.map((a) => `a${a.region}:${a.version}`).sort(),
  ];
  const issued = newestIssued(items.issued);
  if (withIssued) parts.push(`i${issued?.generation ?? 0}:${issued?.version ?? 0}:${issued?.issueId ?? ''}`);
  let hash = 0x811c9dc5;
  for (const char of parts.join('|')) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}
