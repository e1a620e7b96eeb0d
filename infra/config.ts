/**
 * The deployment's settings, read from CDK context (`cdk.json`, or `-c key=value` on the command line) and
 * checked once, before any stack is built. Every value has a documented default (docs/deploy.md), so
 * `cdk synth` works with no arguments and no AWS credentials.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export interface OidcIdentity {
  kind: 'oidc';
  /** The issuer URL whose JWTs the HTTP APIs accept (`iss`), e.g. `https://login.example.com/`. */
  issuer: string;
  /** The accepted `aud` (or, for access tokens without one, `client_id`) values. */
  audience: string[];
}

export interface CognitoIdentity {
  kind: 'cognito';
  /** The prefix of the user pool's hosted domain (`<prefix>.auth.<region>.amazoncognito.com`). */
  domainPrefix: string | undefined;
  /** Where the help-desk console may receive authorization codes. */
  adminCallbackUrls: string[];
  /** One client-credentials app client per authentication agent; its client id is the agent id. */
  agentClientNames: string[];
  /**
   * The security domains that get an administrators' group (`eat-domain-<id>`, functions/http/claims.ts);
   * the group `eat-all-domains` is always made.
   */
  adminDomains: string[];
}

export interface DeploymentConfig {
  /** The AWS account; undefined leaves it to the credentials at deploy time (`AWS::AccountId`). */
  account: string | undefined;
  primaryRegion: string;
  replicaRegions: string[];
  /** The primary region first, then the replica regions. */
  regions: string[];
  /**
   * Where the multi-region key was created: its stack there holds the `AWS::KMS::Key`, every other region's
   * stack a replica of it. Fixed for the life of the key, whatever the primary region becomes.
   */
  sealingKeyRegion: string;
  /** The key's id (`mrk-...`, the same in every region) once it exists: no stack then reads it from another. */
  sealingKeyId: string | undefined;
  /**
   * The pepper key's id (`mrk-...`): the multi-region HMAC key made in `sealingKeyRegion` alongside the
   * sealing key, pinned once it exists as `sealingKeyId` is.
   */
  pepperKeyId: string | undefined;
  /** Where the Cognito user pool lives (without `oidcIssuer`); it cannot move with the primary region. */
  identityRegion: string;
  /** Prefix of every stack, function, role and alias name. */
  namePrefix: string;
  tableName: string;
  identity: OidcIdentity | CognitoIdentity;
  /** The code policy cap: no security domain may set a longer EAT lifetime (MAX_EAT_LIFETIME_DAYS). */
  maxEmergencyCodeLifetimeDays: number;
  /** DynamoDB multi-region strong consistency; only with exactly three regions. */
  multiRegionStrongConsistency: boolean;
  /** The regions whose sweep schedule is enabled (the schedule exists, disabled, everywhere else). */
  sweepRegions: string[];
  /** An EventBridge Scheduler expression: `rate(...)` or `cron(...)`. */
  sweepSchedule: string;
  /**
   * Source maps in each function's zip, read at start (`--enable-source-maps`). Off by default: a map is
   * larger than its bundle and parsing it at start was the largest part of a cold load (docs/performance.md).
   */
  sourceMaps: boolean;
  /** The append-only audit archive (constructs/audit-archive.ts), in its own stack in the primary region. */
  auditArchive: boolean;
  apiThrottle: { rateLimit: number; burstLimit: number };
  logRetention: RetentionDays;
  /** An SNS topic of this name in each region receives the alarms; none when undefined. */
  alarmTopicName: string | undefined;
  /** The help-desk console on S3 and CloudFront (stacks/console-stack.ts); needs the Cognito identity. */
  console: boolean;
  /** Where identity events go in each region (constructs/identity-events.ts): its own bus, or the default. */
  identityEventBus: 'own' | 'default';
}

/** The defaults, documented in docs/deploy.md; cdk.json states the same values explicitly. */
export const DEFAULTS = {
  primaryRegion: 'us-east-1',
  replicaRegions: 'eu-west-1,ap-southeast-2',
  namePrefix: 'eat',
  maxEmergencyCodeLifetimeDays: 90,
  sweepSchedule: 'rate(15 minutes)',
  apiThrottleRateLimit: 50,
  apiThrottleBurstLimit: 100,
  logRetentionDays: 365,
  adminCallbackUrls: 'http://localhost:3000/console/',
  cognitoAgentClients: 'default-agent',
  /** The demo data's security domains (local/demo-data.ts). */
  cognitoAdminDomains: 'SystemDomain,Sales,Contractors',
} as const;

/** The context keys this app reads. */
export const CONTEXT_KEYS = [
  'account',
  'primaryRegion',
  'replicaRegions',
  'sealingKeyRegion',
  'sealingKeyId',
  'pepperKeyId',
  'identityRegion',
  'namePrefix',
  'tableName',
  'oidcIssuer',
  'oidcAudience',
  'cognitoDomainPrefix',
  'adminCallbackUrls',
  'cognitoAgentClients',
  'cognitoAdminDomains',
  'maxEmergencyCodeLifetimeDays',
  'multiRegionStrongConsistency',
  'sweepRegion',
  'sweepSchedule',
  'sourceMaps',
  'apiThrottleRateLimit',
  'apiThrottleBurstLimit',
  'logRetentionDays',
  'alarmTopicName',
  'auditArchive',
  'console',
  'identityEventBus',
] as const;

export type ContextKey = (typeof CONTEXT_KEYS)[number];
export type ContextReader = (key: ContextKey) => unknown;

export class ConfigError extends Error {
  constructor(key: ContextKey, message: string) {
    super(`context "${key}": ${message}`);
    this.name = 'ConfigError';
  }
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const NAME_PREFIX = /^[a-z][a-z0-9-]{0,11}$/;
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

function text(read: ContextReader, key: ContextKey): string | undefined {
  const value = read(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    if (Array.isArray(value)) return value.map(String).join(',');
    throw new ConfigError(key, 'must be a string');
  }
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A comma-separated list; absent means the fallback, an empty string means none. */
function list(read: ContextReader, key: ContextKey, fallback: string): string[] {
  const raw = read(key);
  const value = raw === undefined || raw === null ? fallback : (text(read, key) ?? '');
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function integer(read: ContextReader, key: ContextKey, fallback: number, min: number, max: number): number {
  const raw = text(read, key);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(key, `must be an integer from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  }
  return value;
}

function flag(read: ContextReader, key: ContextKey, fallback: boolean): boolean {
  const raw = text(read, key);
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(key, `must be true or false, not ${JSON.stringify(raw)}`);
}

function region(key: ContextKey, value: string): string {
  if (!REGION.test(value)) throw new ConfigError(key, `${JSON.stringify(value)} is not an AWS region name`);
  return value;
}

function url(key: ContextKey, value: string, https: boolean): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(key, `${JSON.stringify(value)} is not a URL`);
  }
  const localHttp = parsed.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && (https || !localHttp)) {
    throw new ConfigError(key, `${JSON.stringify(value)} must use https`);
  }
  return value;
}

function retention(read: ContextReader): RetentionDays {
  const days = integer(read, 'logRetentionDays', DEFAULTS.logRetentionDays, 1, 3653);
  const allowed = Object.values(RetentionDays).filter(
    (v): v is RetentionDays => typeof v === 'number' && v !== RetentionDays.INFINITE,
  );
  if (!allowed.includes(days as RetentionDays)) {
    throw new ConfigError('logRetentionDays', `must be one of CloudWatch's values: ${allowed.join(', ')}`);
  }
  return days as RetentionDays;
}

/** A multi-region key's id (`mrk-` and 32 hex digits), or undefined when not given. */
function multiRegionKeyId(read: ContextReader, key: ContextKey): string | undefined {
  const id = text(read, key);
  if (id !== undefined && !/^mrk-[0-9a-f]{32}$/.test(id)) {
    throw new ConfigError(key, `${JSON.stringify(id)} is not a multi-region key id (mrk-...)`);
  }
  return id;
}

/** Reads and checks the deployment's settings; throws ConfigError naming the context key at fault. */
export function readConfig(read: ContextReader, defaultAccount?: string): DeploymentConfig {
  const account = text(read, 'account') ?? defaultAccount;
  if (account !== undefined && !/^\d{12}$/.test(account)) {
    throw new ConfigError('account', `${JSON.stringify(account)} is not a 12-digit AWS account id`);
  }

  const primaryRegion = region('primaryRegion', text(read, 'primaryRegion') ?? DEFAULTS.primaryRegion);
  const replicaRegions = list(read, 'replicaRegions', DEFAULTS.replicaRegions).map((r) =>
    region('replicaRegions', r),
  );
  const regions = [primaryRegion, ...replicaRegions];
  if (new Set(regions).size !== regions.length) {
    throw new ConfigError('replicaRegions', 'must not repeat a region or name the primary region');
  }

  const sealingKeyId = multiRegionKeyId(read, 'sealingKeyId');
  const pepperKeyId = multiRegionKeyId(read, 'pepperKeyId');
  const sealingKeyRegion = region('sealingKeyRegion', text(read, 'sealingKeyRegion') ?? primaryRegion);
  if (!regions.includes(sealingKeyRegion) && (sealingKeyId === undefined || pepperKeyId === undefined)) {
    throw new ConfigError(
      'sealingKeyRegion',
      "outside the deployment's regions needs sealingKeyId and pepperKeyId (nothing else can name the " +
        'keys created there)',
    );
  }
  const identityRegion = region('identityRegion', text(read, 'identityRegion') ?? primaryRegion);

  const namePrefix = text(read, 'namePrefix') ?? DEFAULTS.namePrefix;
  if (!NAME_PREFIX.test(namePrefix)) {
    throw new ConfigError('namePrefix', 'must be 1-12 lower-case letters, digits or hyphens, from a letter');
  }
  const tableName = text(read, 'tableName') ?? `${namePrefix}-tokens`;
  if (!TABLE_NAME.test(tableName)) throw new ConfigError('tableName', 'is not a DynamoDB table name');

  const issuer = text(read, 'oidcIssuer');
  let identity: DeploymentConfig['identity'];
  if (issuer !== undefined) {
    const audience = list(read, 'oidcAudience', '');
    if (audience.length === 0) throw new ConfigError('oidcAudience', 'is required when oidcIssuer is given');
    identity = { kind: 'oidc', issuer: url('oidcIssuer', issuer, true), audience };
  } else {
    if (text(read, 'oidcAudience') !== undefined) {
      throw new ConfigError(
        'oidcAudience',
        'needs oidcIssuer (without an issuer, Cognito app clients are used)',
      );
    }
    const domainPrefix = text(read, 'cognitoDomainPrefix');
    if (domainPrefix !== undefined && !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(domainPrefix)) {
      throw new ConfigError('cognitoDomainPrefix', 'must be lower-case letters, digits and hyphens');
    }
    const agentClientNames = list(read, 'cognitoAgentClients', DEFAULTS.cognitoAgentClients);
    if (agentClientNames.length === 0 || agentClientNames.some((n) => !/^[A-Za-z0-9_-]{1,64}$/.test(n))) {
      throw new ConfigError('cognitoAgentClients', 'must list one or more names of letters, digits, - and _');
    }
    const adminDomains = list(read, 'cognitoAdminDomains', DEFAULTS.cognitoAdminDomains);
    // A Cognito group name is at most 128 characters; a domain id at most 64 (functions/api/contract/schemas.ts).
    if (adminDomains.some((d) => !/^[A-Za-z0-9._-]{1,64}$/.test(d))) {
      throw new ConfigError('cognitoAdminDomains', 'must list domain ids of letters, digits, ., _ and -');
    }
    identity = {
      kind: 'cognito',
      adminDomains,
      domainPrefix,
      adminCallbackUrls: list(read, 'adminCallbackUrls', DEFAULTS.adminCallbackUrls).map((u) =>
        url('adminCallbackUrls', u, false),
      ),
      agentClientNames,
    };
  }

  const consoleWanted = flag(read, 'console', false);
  if (consoleWanted && identity.kind !== 'cognito') {
    throw new ConfigError(
      'console',
      'signs administrators in through the Cognito app client: not with oidcIssuer',
    );
  }

  const multiRegionStrongConsistency = flag(read, 'multiRegionStrongConsistency', false);
  if (multiRegionStrongConsistency && regions.length !== 3) {
    throw new ConfigError(
      'multiRegionStrongConsistency',
      `needs exactly three regions (a primary and two replicas), not ${regions.length}`,
    );
  }

  // Issue 5: the sweep runs in every region (safe: a second expiry of one code changes nothing).
  const sweepRegion = text(read, 'sweepRegion') ?? 'all';
  if (sweepRegion !== 'all' && !regions.includes(sweepRegion)) {
    throw new ConfigError('sweepRegion', `must be one of ${regions.join(', ')} or "all"`);
  }
  const sweepSchedule = text(read, 'sweepSchedule') ?? DEFAULTS.sweepSchedule;
  if (!/^(rate|cron)\(.+\)$/.test(sweepSchedule)) {
    throw new ConfigError(
      'sweepSchedule',
      'must be an EventBridge Scheduler rate(...) or cron(...) expression',
    );
  }

  const rateLimit = integer(read, 'apiThrottleRateLimit', DEFAULTS.apiThrottleRateLimit, 1, 10_000);
  const burstLimit = integer(read, 'apiThrottleBurstLimit', DEFAULTS.apiThrottleBurstLimit, 1, 5_000);

  return {
    account,
    primaryRegion,
    replicaRegions,
    regions,
    sealingKeyRegion,
    sealingKeyId,
    pepperKeyId,
    identityRegion,
    namePrefix,
    tableName,
    identity,
    maxEmergencyCodeLifetimeDays: integer(
      read,
      'maxEmergencyCodeLifetimeDays',
      DEFAULTS.maxEmergencyCodeLifetimeDays,
      1,
      365,
    ),
    multiRegionStrongConsistency,
    sweepRegions: sweepRegion === 'all' ? regions : [sweepRegion],
    sweepSchedule,
    sourceMaps: flag(read, 'sourceMaps', false),
    auditArchive: flag(read, 'auditArchive', true),
    apiThrottle: { rateLimit, burstLimit },
    logRetention: retention(read),
    alarmTopicName: text(read, 'alarmTopicName'),
    console: consoleWanted,
    identityEventBus: identityEventBusOf(read),
  };
}

function identityEventBusOf(read: ContextReader): 'own' | 'default' {
  const value = text(read, 'identityEventBus') ?? 'own';
  if (value !== 'own' && value !== 'default')
    throw new ConfigError('identityEventBus', 'must be own or default');
  return value;
}
