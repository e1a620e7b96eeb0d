/**
 * A token's tamper-evident audit trail: in each region, its audit events form a hash chain. Link n holds
 * the event, its position `seq` (1, 2, ...) and the hash of link n-1 (`prevHash`; 64 zeros for the first);
 * its own `hash` is SHA-256 over all of that, in a canonical JSON form. Changing, removing, reordering or
 * inserting a link breaks the next link's `prevHash` (or its own hash); an export signs every chain's
 * links with the service's key, so a whole chain rewritten with fresh hashes is caught by the signature.
 */
import { createHash } from 'node:crypto';
import type { AuditAction, AuditDetailValue, AuditOutcome, OutboxEvent } from './model';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainLink {
  serial: string;
  /** The region whose chain this is (the region where the event happened). */
  region: string;
  seq: number;
  prevHash: string;
  hash: string;
  event: {
    eventId: string;
    at: string;
    action: AuditAction;
    actor: string;
    outcome: AuditOutcome;
    requestId: string;
    details: Record<string, AuditDetailValue>;
  };
}

/** JSON with object keys sorted at every level: the one byte form that is hashed and signed. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function linkHashOf(link: Omit<ChainLink, 'hash'>): string {
  const { serial, region, seq, prevHash, event } = link;
  return createHash('sha256')
    .update(canonicalJson({ v: 1, serial, region, seq, prevHash, event }))
    .digest('hex');
}

/** The link that chains `event` after `head` (null: the chain's first). */
export function linkAfter(head: ChainLink | null, event: OutboxEvent): ChainLink {
  const link: Omit<ChainLink, 'hash'> = {
    serial: event.serial,
    region: event.region,
    seq: head === null ? 1 : head.seq + 1,
    prevHash: head === null ? GENESIS_HASH : head.hash,
    event: {
      eventId: event.eventId,
      at: event.at,
      action: event.action,
      actor: event.actor,
      outcome: event.outcome,
      requestId: event.requestId,
      details: event.details,
    },
  };
  return { ...link, hash: linkHashOf(link) };
}

export interface ChainFault {
  region: string;
  /** The position where the chain breaks (the link found there, or the one expected there). */
  seq: number;
  /** The event of the link found at `seq`, if any. */
  eventId: string | null;
  reason: 'hash' | 'prev-hash' | 'gap' | 'fork' | 'serial' | 'region' | 'start';
  message: string;
}

/**
 * Checks one region's chain, links in any order: the first link that does not hash to its `hash`, does
 * not name the previous link's hash, or leaves a position out. `firstSeq` is where the chain is expected
 * to start (1, unless retention removed the oldest links and the export says so).
 */
export function verifyChain(
  serial: string,
  region: string,
  links: readonly ChainLink[],
  firstSeq = 1,
): ChainFault | null {
  const sorted = [...links].sort((a, b) => a.seq - b.seq);
  let previous: ChainLink | null = null;
  let expected = firstSeq;
  for (const link of sorted) {
    const fault = (reason: ChainFault['reason'], message: string, seq = link.seq): ChainFault => ({
      region,
      seq,
      eventId: link.event?.eventId ?? null,
      reason,
      message,
    });
    if (link.serial !== serial) return fault('serial', `link ${link.seq} is of token ${link.serial}`);
    if (link.region !== region) return fault('region', `link ${link.seq} is of region ${link.region}`);
    if (previous !== null && link.seq === previous.seq)
      return fault('fork', `two links at position ${link.seq}: the chain forks`);
    if (link.seq > expected)
      return fault('gap', `link ${expected} is missing (the next present is ${link.seq})`, expected);
    if (link.seq < expected) return fault('start', `link ${link.seq} comes before the chain's start`);
    if (linkHashOf(link) !== link.hash)
      return fault(
        'hash',
        `link ${link.seq} (event ${link.event.eventId}) was changed: its hash does not match`,
      );
    const wanted = previous?.hash ?? (link.seq === 1 ? GENESIS_HASH : null);
    if (wanted !== null && link.prevHash !== wanted)
      return fault(
        'prev-hash',
        `link ${link.seq} does not follow link ${link.seq - 1}: its prevHash differs`,
      );
    previous = link;
    expected = link.seq + 1;
  }
  return null;
}
