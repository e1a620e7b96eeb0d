/**
 * The domain model. Plain data, no behaviour and no AWS: use cases and adapters work on these shapes.
 * Every stored entity carries `version`, the optimistic-concurrency counter: 0 means "never stored";
 * a store write expects the version that was read and stores version + 1.
 */

import type { ViewPolicy } from './view-policy';

export type TokenKind = 'securid' | 'authenticate';

export type CharacterClass = 'digits' | 'uppercase' | 'lowercase';

export interface EmergencyCodeFormat {
  /** 8 to 24 characters. */
  length: number;
  /** Which character classes make up the alphabet (ambiguous characters are never used). */
  characterClasses: readonly CharacterClass[];
}

export interface OfflinePolicy {
  offlineAuthenticationEnabled: boolean;
  emergencyCodeDownloadPermitted: boolean;
  /** Days of offline authentication data an agent downloads: 1 to 365. */
  offlineDays: number;
  /** How long an issued offline emergency code stays valid, bounded by a global cap. */
  emergencyCodeLifetimeDays: number;
  emergencyCodeFormat: EmergencyCodeFormat;
  /** When set, an emergency code is spent by its first successful use. */
  singleUse: boolean;
  /**
   * Whether offline data carries tokencode data for tokens with a PIN (offline-data.ts). False: the file
   * holds the emergency code's verifier only, so a stolen file gives no edge at all on an online login
   * (`tokencodesWithheld: DOMAIN_POLICY`). Absent on domains stored before the setting: true.
   */
  offlineTokencodes?: boolean;
}

/** How a PIN of the domain's tokens is made (pin-policy.ts). */
export interface PinPolicy {
  minLength: number;
  maxLength: number;
  characters: 'digits' | 'alphanumeric';
}

export interface SecurityDomain {
  id: string;
  name: string;
  offlinePolicy: OfflinePolicy;
  /** Absent on domains stored before PIN policies: they keep 4 to 8 digits (LEGACY_PIN_POLICY). */
  pinPolicy?: PinPolicy;
  /** Absent on domains stored before view policies: no reason asked, no dual control (view-policy.ts). */
  viewPolicy?: ViewPolicy;
  version: number;
}

export interface User {
  userId: string;
  firstName: string;
  lastName: string;
  securityDomain: string;
  version: number;
}

export interface UserRef {
  userId: string;
  firstName: string;
  lastName: string;
}

/**
 * That a user authenticated online through an offline-capable agent, and what that agent downloaded.
 * One per (user, agent).
 */
export interface OfflineAuthentication {
  userId: string;
  agentId: string;
  /**
   * The region that recorded it. Each region writes and removes only its own records, so a download in
   * one region and the sweep in another never overwrite each other (docs/design.md "Two regions writing at once").
   */
  region: string;
  authenticatedAt: string;
  download: OfflineDownload | null;
  version: number;
}

export interface OfflineDownload {
  downloadedAt: string;
  days: number;
  validUntil: string;
}

export interface Agent {
  agentId: string;
  name: string;
  supportsOfflineAuthentication: boolean;
  version: number;
}

/** A secret sealed by the sealing port; only the port can open it, and only under the same context. */
export interface SealedSecret {
  /** The key that sealed it (a KMS key ARN, or the local key's id). */
  keyId: string;
  /** Base64 ciphertext. */
  ciphertext: string;
}

/** A salted one-way KDF result (see verifier.ts). Holds no secret. */
export interface SecretVerifier {
  algorithm: 'pbkdf2-sha256';
  iterations: number;
  /** Base64 salt. */
  salt: string;
  /** Base64 derived key. */
  hash: string;
  /** Set when the secret was peppered (ports/pepper.ts) before the KDF: the pepper key's id. */
  pepperKeyId?: string;
}

/**
 * A token as readers see it: the token item (identity, seed, assignment) merged with the registers of the
 * facts that administrators change one at a time (enabled, PIN; see regional-state.ts). On the token item
 * itself, `enabled` and `pinVerifier` are the values the token was created with; a register entry, once
 * written, overrides them.
 */
export interface Token {
  serial: string;
  kind: TokenKind;
  enabled: boolean;
  /** The assigned user, denormalised for search; null while unassigned. */
  user: UserRef | null;
  securityDomain: string;
  /** TOTP parameters. */
  digits: 6 | 8;
  /** The TOTP seed, sealed with purpose `totp-seed`, generation 0. */
  sealedSeed: SealedSecret;
  /** For `securid` tokens once a PIN is set. */
  pinVerifier: SecretVerifier | null;
  lastOnlineAuthenticationAt: string | null;
  /**
   * Which assignment of the token this is (absent: 0). Each unassignment moves it on, and what was made
   * for one assignment (codes, offline data) is bound to it: see assignment.ts.
   */
  assignmentEpoch?: number;
  version: number;
}

/** What administrators set, as merged from the online-use register and the regions' reset requests. */
export interface EmergencyAccessSettings {
  serial: string;
  onlineUseAllowed: boolean;
  /**
   * A reset asks for a code newer than this generation. The reset is pending while the issued code's
   * generation is not above it, so issuing a new code never has to write a reset request.
   */
  resetRequestedAtGeneration: number | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** The facts administrators set one at a time, each kept as a register (see regional-state.ts). */
export interface RegisterValues {
  enabled: boolean;
  pin: SecretVerifier | null;
  onlineUse: boolean;
}

export type RegisterFact = keyof RegisterValues;

/**
 * One region's latest write of a register fact. `seen` says which writes of the other regions it knew of,
 * so that a reader can tell a later write (it saw the other) from a concurrent one (neither saw the other).
 */
export interface RegisterEntry<F extends RegisterFact = RegisterFact> {
  value: RegisterValues[F];
  /** This region's count of writes of this fact: 1, 2, ... */
  seq: number;
  /** The `seq` of each region's entry this write was based on (its own included). */
  seen: Record<string, number>;
  at: string;
  by: string;
}

/**
 * What administrators in one region set on a token: one item per region, written only in that region,
 * so replication never overwrites it and a Save that changes several facts is one write.
 */
export interface AdminSettings {
  serial: string;
  region: string;
  registers: { [F in RegisterFact]?: RegisterEntry<F> };
  /** This region's latest reset request: a code newer than this generation is asked for. */
  reset: { generation: number; at: string; by: string } | null;
  version: number;
}

export type IssuedCodeState = 'active' | 'expired';

/**
 * An issued offline emergency code: one item per generation, written by online authentication (issue,
 * single-use spend) and the sweep (expiry). The newest generation is the current code, so an expiry of an
 * older generation can never hide a newer one.
 */
export interface IssuedEmergencyCode {
  serial: string;
  generation: number;
  /** Sealed with purpose `offline-eat`, this serial and generation; null once shredded. */
  sealedCode: SealedSecret | null;
  verifier: SecretVerifier | null;
  issuedAt: string;
  expiresAt: string;
  state: IssuedCodeState;
  /** Set when a single-use code was spent. */
  usedAt: string | null;
  /**
   * A random id of this issue. Two regions can issue the same generation at once and global tables keep
   * one whole item (the last writer); the id says which of the two an agent holds. Absent on older items.
   */
  issueId?: string;
  /** The region that issued this code. */
  issuedInRegion?: string;
  /** The code's length, which splits a PIN from the code in a passcode. Absent on older items. */
  codeLength?: number;
  /** The token's assignment epoch it was issued for (assignment.ts); absent: 0. */
  assignmentEpoch?: number;
  version: number;
}

export interface FailureCounts {
  tokencode: number;
  emergencyAccess: number;
}

/**
 * One region's lockout item, written only by online authentication and the unlock in that region
 * (docs/api.md "Lockout"). Failure totals only grow; a success or an unlock acknowledges the totals it saw
 * (`acks`, per region), and the consecutive failures are what no acknowledgement covers yet. A lock is
 * recorded apart from the counts and is lifted only by an unlock of a later epoch.
 */
export interface RegionalCounters {
  serial: string;
  region: string;
  /** Every failure this region counted, ever. */
  failures: FailureCounts;
  /** Per region: the failure totals that a success or unlock in this region had seen. */
  acks: Record<string, FailureCounts>;
  /** When this region saw the token reach a limit, or null. */
  lockedAt: string | null;
  /** The unlock epoch current when this region recorded its lock: an unlock of a later epoch lifts it. */
  lockEpoch: number;
  /** The epoch of the last unlock made in this region (0: none). */
  unlockEpoch: number;
  /** The TOTP step of the last tokencode this region accepted (RFC 6238 section 5.2: each is accepted once). */
  lastAcceptedStep: number | null;
  lastAuthenticatedAt: string | null;
  version: number;
}

/** The regions' lockout items merged: what a login and an administrator see. */
export interface LockoutCounters {
  serial: string;
  /** Consecutive failures, summed over the regions. */
  tokencodeFailures: number;
  emergencyAccessFailures: number;
  locked: boolean;
  lockedAt: string | null;
  unlockEpoch: number;
  lastAcceptedStep: number | null;
  lastAuthenticatedAt: string | null;
}

export type AuditAction =
  | 'emergency-access.view'
  | 'emergency-access.reset'
  | 'emergency-access.online-use'
  | 'emergency-access.issued'
  | 'emergency-access.expired'
  /** A single-use code an agent accepted offline, reported at the user's next online login. */
  | 'emergency-access.used-offline'
  /** Dual control (view-request.ts): asked, approved, denied, withdrawn, or run out before its use. */
  | 'emergency-access.view-requested'
  | 'emergency-access.view-approved'
  | 'emergency-access.view-denied'
  | 'emergency-access.view-cancelled'
  | 'emergency-access.view-expired'
  | 'authenticate.tokencode'
  | 'authenticate.emergency-access'
  | 'authenticate.lockout'
  /** Offline data (which holds the offline emergency code) downloaded to an agent at an accepted login. */
  | 'offline-data.downloaded'
  | 'token.unlock'
  | 'token.manage'
  /** A signed export of the token's audit chains was handed out (who, which token; never its contents). */
  | 'audit.exported';

export type AuditOutcome = 'success' | 'denied' | 'failure';

export type AuditDetailValue = string | number | boolean | null;

/** Who did what to which token, where and when. Never a code, a PIN or a seed. */
export interface AuditEvent {
  serial: string;
  at: string;
  action: AuditAction;
  actor: string;
  region: string;
  outcome: AuditOutcome;
  requestId: string;
  details: Record<string, AuditDetailValue>;
}

/**
 * An audit event with the id it is stored under, chosen once before anything is written. A change's
 * events travel in the changed item's outbox, so whoever appends them (the writer, its retry, the stream's
 * materializer) writes the same audit items, once (docs/design.md "Storage").
 */
export interface OutboxEvent extends AuditEvent {
  eventId: string;
}

/** The items of a token's partition, as stored: what writers base their next write on. */
export interface TokenItems {
  /** The token item, with the values it was created with. */
  token: Token;
  admin: AdminSettings[];
  counters: RegionalCounters[];
  /** Every generation still stored, oldest first. */
  issued: IssuedEmergencyCode[];
}

/**
 * A token's state as a reader without secrets sees it (search, the token details): the token's listing
 * fields and last online login, the merged `enabled`, the newest code's state and the merged lockout. No
 * seed, PIN verifier, sealed code or code verifier. A TokenState is one.
 */
export interface TokenOverview {
  token: Pick<
    Token,
    'serial' | 'kind' | 'enabled' | 'user' | 'securityDomain' | 'lastOnlineAuthenticationAt'
  >;
  /** The newest generation. */
  issued: Pick<IssuedEmergencyCode, 'generation' | 'state' | 'expiresAt'> | null;
  lockout: LockoutCounters;
}

/** Everything about a token's emergency access, read in one query of its partition and merged. */
export interface TokenState {
  token: Token;
  settings: EmergencyAccessSettings;
  /** The newest generation. */
  issued: IssuedEmergencyCode | null;
  lockout: LockoutCounters;
  items: TokenItems;
}
