/** Key values of the single table (see table-schema.ts). */

import type { AuditEvent } from '../../domain/model';
import { foldName } from '../../domain/names';

/** Lower-case, accents and `#` removed: what name prefixes are matched on (the domain's one folding rule). */
export const normalizeName = foldName;

export const tokenPk = (serial: string) => `TOKEN#${serial}`;
export const userPk = (userId: string) => `USER#${userId.toLowerCase()}`;
export const domainPk = (id: string) => `DOMAIN#${id}`;
export const agentPk = (id: string) => `AGENT#${id}`;

/**
 * Sort keys. A token's partition holds one item per fact and writer (docs/design.md "Two regions writing at once"): the token item,
 * each region's administrators' settings and lockout item, and one item per issued generation.
 */
export const SK = {
  profile: 'PROFILE',
  token: 'STATE#TOKEN',
  adminPrefix: 'STATE#ADMIN#',
  lockoutPrefix: 'STATE#LOCKOUT#',
  issuedPrefix: 'STATE#ISSUED#',
  statePrefix: 'STATE#',
  auditPrefix: 'AUDIT#',
  offlinePrefix: 'OFFLINE#',
  /** Dual control's view requests, in the token's partition (never read with its state). */
  viewRequestPrefix: 'VIEWREQ#',
} as const;

export const viewRequestSk = (id: string) => `${SK.viewRequestPrefix}${id}`;

/**
 * The type index's partition of pending view requests, sorted by `<approveBy>#<serial>#<id>`: a pending
 * request carries these keys, a decided one drops out.
 */
export const PENDING_VIEW_REQUESTS = 'VIEWREQ';

/**
 * The attribute of a changed item that holds the audit events of the write that made this version (its
 * outbox): written in the same conditional put as the change, read by the stream's materializer only,
 * never by a view. Replaced by the next write of the item.
 */
export const AUDIT_OUTBOX_ATTRIBUTE = 'auditOutbox';

/** The attributes of an audit event's item besides the table's keys and TTL: the event's own fields. */
export const AUDIT_EVENT_ATTRIBUTES = [
  'serial',
  'at',
  'action',
  'actor',
  'region',
  'outcome',
  'requestId',
  'details',
] as const satisfies readonly (keyof AuditEvent)[];

/** An audit event's item: by time, then its event id, so that appending the same event twice is one item. */
export const auditSk = (at: string, eventId: string) => `${SK.auditPrefix}${at}#${eventId}`;

export const adminSk = (region: string) => `${SK.adminPrefix}${region}`;
export const lockoutSk = (region: string) => `${SK.lockoutPrefix}${region}`;
/** Zero-padded so that generations sort as numbers. */
export const issuedSk = (generation: number) => `${SK.issuedPrefix}${String(generation).padStart(10, '0')}`;

/** A user's record of an agent, one per region that recorded it (region names hold no `#`). */
export const offlineSk = (agentId: string, region: string) => `${SK.offlinePrefix}${agentId}#${region}`;

/**
 * The partition of the last-name index across domains: the first character of the folded last name, so a
 * last-name prefix is one partition and the tokens spread over a few dozen.
 */
export function lastNameShardOf(foldedLastName: string): string {
  return `NAME#${String.fromCodePoint(foldedLastName.codePointAt(0)!)}`;
}

export function nameKey(first: string, second: string, serial: string): string {
  return `${normalizeName(first)}#${normalizeName(second)}#${serial}`;
}

/** The expiry index's day bucket of an ISO time. */
export function expiryDayOf(isoTime: string): string {
  return isoTime.slice(0, 10);
}

/**
 * Download records share the expiry index with the codes, in buckets of their own, so that reading the
 * codes due on a day never reads a download record and the other way round.
 */
export const DOWNLOAD_EXPIRY_PREFIX = 'DOWNLOAD#';

/**
 * The expiry index's bucket of the download records that one region recorded and that run out on `day`
 * (YYYY-MM-DD): each region's sweep reads and removes only its own.
 */
export function downloadExpiryBucket(region: string, day: string): string {
  return `${DOWNLOAD_EXPIRY_PREFIX}${region}#${day}`;
}

/** `<expiresAt or validUntil>#<what>`: ISO times of one format sort as they compare. */
export function expirySortKey(isoTime: string, what: string): string {
  return `${isoTime}#${what}`;
}

/** The time an expiry sort key starts with. */
export function timeOfExpirySortKey(key: string): string {
  return key.slice(0, key.indexOf('#'));
}

/**
 * The exclusive upper bound of the sort keys due at `now` (those of times up to and including it): `$` is
 * the character right after `#`, so it bounds whatever follows the `#`, in any script.
 */
export function dueSortKeyBound(now: string): string {
  return `${now}$`;
}

/** The user id (lower-cased, as keys hold it) of a `USER#` partition key. */
export function userIdOfPk(pk: string): string {
  return pk.slice('USER#'.length);
}

/** The agent id and region of an `OFFLINE#` sort key. */
export function agentAndRegionOfSk(sk: string): { agentId: string; region: string } {
  const last = sk.lastIndexOf('#');
  return { agentId: sk.slice(SK.offlinePrefix.length, last), region: sk.slice(last + 1) };
}

/**
 * What the read-only functions may read, one list per purpose: the store names exactly these in each of
 * their reads (ProjectionExpression, Select SPECIFIC_ATTRIBUTES), and their IAM policies allow exactly
 * these (`dynamodb:Attributes`, infra/constructs/service-function.ts). None names a secret: no seed, no PIN
 * verifier (on the token item, or the PIN register of an admin item, which is stored apart for this), no
 * sealed code or code verifier, and nothing that other writers add later unless it is listed here.
 * A dotted entry is a path into a map: IAM sees its first name only.
 */
export const PROJECTION = {
  /** A listing through the user and domain indexes: what the indexes project (table-schema.ts). */
  tokenListing: ['serial', 'kind', 'enabled', 'user', 'securityDomain'],
  /**
   * A token's partition (`STATE#` items) merged without secrets: the token item's listing fields, the
   * admin items' `enabled` and `onlineUse` registers, the lockout items, each issued code's state.
   */
  tokenOverview: [
    'serial',
    'kind',
    'enabled',
    'user',
    'securityDomain',
    'lastOnlineAuthenticationAt',
    'region',
    'registers.enabled',
    'registers.onlineUse',
    'failures',
    'acks',
    'lockedAt',
    'lockEpoch',
    'unlockEpoch',
    'lastAcceptedStep',
    'lastAuthenticatedAt',
    'generation',
    'state',
    'expiresAt',
  ],
  /** What a search's first-name filter on the last-name index names (a folded name, no secret). */
  nameFilter: ['firstNameNormalized'],
  /** Which domain a token is in: the audit trail's visibility check. */
  tokenDomain: ['securityDomain'],
  /** The ids of the security domains, for a search over every domain. */
  domainIds: ['id'],
  /** A token's audit events. */
  auditEvents: ['serial', 'at', 'action', 'actor', 'region', 'outcome', 'requestId', 'details'],
  /** A token's audit chain links (dynamodb-audit-chain.ts). */
  auditChain: ['serial', 'region', 'seq', 'prevHash', 'hash', 'event'],
  /**
   * A region's copy of the items another region writes alone (dynamodb-replica-reader.ts): their versions
   * and the times their registers and reset request were changed; never the PIN register.
   */
  replication: ['version', 'registers.enabled.at', 'registers.onlineUse.at', 'reset.at'],
} as const satisfies Record<string, readonly string[]>;

export type ProjectionPurpose = keyof typeof PROJECTION;

/**
 * The top-level attribute names a function that reads for `purposes` is allowed (IAM evaluates top-level
 * names only), with the keys that its queries name and DynamoDB returns with every item.
 */
export function readableAttributes(
  purposes: readonly ProjectionPurpose[],
  keyAttributes: readonly string[],
): string[] {
  const names = purposes.flatMap((p) => PROJECTION[p].map((path) => path.split('.')[0]!));
  return [...new Set([...keyAttributes, ...names])].sort();
}

/**
 * The admin item's PIN register is stored in an attribute of its own, not in `registers`, so that the
 * other registers can be read (and allowed) without it.
 */
export const PIN_REGISTER_ATTRIBUTE = 'pinRegister';
