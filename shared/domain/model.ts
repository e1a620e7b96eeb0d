/**
 * The domain model. Plain data, no behaviour and no AWS: use cases and adapters work on these shapes.
 * Every stored entity carries `version`, the optimistic-concurrency counter: 0 means "never stored";
 * a store write expects the version that was read and stores version + 1.
 */

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
}

export interface SecurityDomain {
  id: string;
  name: string;
  offlinePolicy: OfflinePolicy;
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
}

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
  version: number;
}

/** What administrators set: one item, written only by administrators. */
export interface EmergencyAccessSettings {
  serial: string;
  onlineUseAllowed: boolean;
  /**
   * A reset asks for a code newer than this generation. The reset is pending while the issued code's
   * generation is not above it, so issuing a new code never has to write this item.
   */
  resetRequestedAtGeneration: number | null;
  updatedAt: string | null;
  updatedBy: string | null;
  version: number;
}

export type IssuedCodeState = 'active' | 'expired';

/** The issued offline emergency code: one item, written by online authentication and the sweep. */
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
  version: number;
}

/** Failure counters: one item, written by online authentication and the admin unlock. */
export interface LockoutCounters {
  serial: string;
  tokencodeFailures: number;
  emergencyAccessFailures: number;
  lockedAt: string | null;
  /** The TOTP step of the last accepted tokencode: each tokencode is accepted once (RFC 6238 section 5.2). */
  lastAcceptedStep?: number | null;
  /** The last accepted online authentication; kept here because management owns the token item. */
  lastAuthenticatedAt?: string | null;
  version: number;
}

export type AuditAction =
  | 'emergency-access.view'
  | 'emergency-access.reset'
  | 'emergency-access.online-use'
  | 'emergency-access.issued'
  | 'emergency-access.expired'
  | 'authenticate.tokencode'
  | 'authenticate.emergency-access'
  | 'authenticate.lockout'
  | 'token.unlock'
  | 'token.manage';

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

/** Everything about a token's emergency access, read in one query of its partition. */
export interface TokenState {
  token: Token;
  settings: EmergencyAccessSettings;
  issued: IssuedEmergencyCode | null;
  lockout: LockoutCounters;
}
