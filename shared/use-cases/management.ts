import { DEFAULT_VIEW_POLICY, viewPolicyProblems, type ViewPolicy } from '../domain/view-policy';
import { assignmentEpochOf, nextAssignmentEpoch } from '../domain/assignment';
import { isResetPending } from '../domain/emergency-access';
import { AppError, isConflict, NotFoundError, ValidationError } from '../domain/errors';
import type {
  Agent,
  AuditDetailValue,
  OfflinePolicy,
  PinPolicy,
  SecurityDomain,
  Token,
  TokenKind,
  TokenOverview,
  TokenState,
  User,
  UserRef,
} from '../domain/model';
import { DEFAULT_PIN_POLICY, pinPolicyOf, pinPolicyProblems, pinProblems } from '../domain/pin-policy';
import { DEFAULT_OFFLINE_POLICY, offlinePolicyProblems } from '../domain/policy';
import {
  itemsOfNewToken,
  mergeTokenState,
  nextAdminSettings,
  tagOf,
  withAdminSettings,
  type AdminChange,
} from '../domain/regional-state';
import { decodeBase32 } from '../domain/totp';
import { versionMatches, type ExpectedVersion } from '../domain/version';
import { createPinVerifier } from './code-verifier';
import type { Page, PageRequest } from '../ports/token-store';
import { appendAuditEvents, auditEventOf, recordAudit, type AuditEntry } from './audit';
import { canSeeDomain, type AdminActor, type UseCaseDependencies } from './context';
import { loadVisibleTokenState } from './emergency-access';
import { invalidCursor, PageCursors } from './page-cursors';

/**
 * Management: security domains, users, token import and assignment, PINs, agents (docs/api.md "Management
 * API"). Every write is the store's conditional put on the version read; every change to a token is
 * audited as `token.manage` (never with a seed or a PIN). What lies outside the administrator's domains
 * answers 404 exactly as if it did not exist; domains and agents are changed by all-domains
 * administrators only.
 */

/** RFC 4226 asks for at least 128 bits; 512 bits is a SHA-512 block, more than any TOTP needs. */
export const MIN_SEED_BYTES = 16;
export const MAX_SEED_BYTES = 64;

/** An entity as stored, with its version; `created` when the call made it. */
export interface Stored<T> {
  value: T;
  version: string;
  created: boolean;
}

/**
 * The version the caller read against the one stored. Replacing an existing domain, user or agent needs
 * it (`required`); the single-setting token changes take it optionally, as reset and online use do.
 * Something that does not exist matches no version.
 */
function checkExpectedVersion(
  current: { version: number } | null,
  expected: ExpectedVersion | undefined,
  required: boolean,
): void {
  if (current === null) {
    if (expected !== undefined)
      throw new AppError('ETAG_MISMATCH', 'It does not exist, so If-Match cannot match');
    return;
  }
  if (expected === undefined) {
    if (required) {
      throw new AppError('IF_MATCH_REQUIRED', 'Replacing it needs an If-Match header with the ETag you read');
    }
    return;
  }
  if (!versionMatches(expected, String(current.version))) {
    throw new AppError('ETAG_MISMATCH', 'It changed since it was read');
  }
}

function requireAllDomains(actor: AdminActor, what: string): void {
  if (actor.domains !== '*') {
    throw new AppError('FORBIDDEN', `${what} needs an administrator of all security domains`);
  }
}

async function requireVisibleDomain(
  deps: UseCaseDependencies,
  actor: AdminActor,
  id: string,
): Promise<SecurityDomain> {
  const domain = canSeeDomain(actor, id) ? await deps.store.getSecurityDomain(id) : null;
  if (domain === null) throw new NotFoundError('No such security domain');
  return domain;
}

const withoutVersion = <T extends { version: number }>({
  version: _version,
  ...rest
}: T): Omit<T, 'version'> => rest;

function stored<T extends { version: number }>(entity: T, created = false): Stored<Omit<T, 'version'>> {
  return { value: withoutVersion(entity), version: String(entity.version), created };
}

// Security domains

export type SecurityDomainView = Omit<SecurityDomain, 'version'>;

/**
 * The domains the administrator may see. An administrator of some domains pages through those alone
 * (read by id), so nothing of the others shows, not even whether there are more; one of all domains pages
 * through the domain listing. Cursors are sealed (page-cursors.ts).
 */
export async function listSecurityDomains(
  deps: UseCaseDependencies,
  actor: AdminActor,
  page: PageRequest,
): Promise<Page<SecurityDomainView>> {
  const cursors = new PageCursors(deps.sealer, deps.clock);
  const scope = { operation: 'listSecurityDomains', actor, query: {} };
  const position = await cursors.open(scope, page.cursor);
  if (actor.domains === '*') {
    if (position !== null && typeof position !== 'string') throw invalidCursor();
    const result = await deps.store.listSecurityDomains({ limit: page.limit, cursor: position });
    return {
      items: result.items.map((d) => withoutVersion(d)),
      cursor: await cursors.seal(scope, result.cursor),
    };
  }
  const offset = position ?? 0;
  if (typeof offset !== 'number' || !Number.isInteger(offset)) throw invalidCursor();
  const ids = [...new Set(actor.domains)].sort();
  const found = await Promise.all(ids.map((id) => deps.store.getSecurityDomain(id)));
  const visible = found.filter((d): d is SecurityDomain => d !== null);
  const next = visible.length > offset + page.limit ? offset + page.limit : null;
  return {
    items: visible.slice(offset, offset + page.limit).map((d) => withoutVersion(d)),
    cursor: await cursors.seal(scope, next),
  };
}

export async function getSecurityDomain(
  deps: UseCaseDependencies,
  actor: AdminActor,
  id: string,
): Promise<Stored<SecurityDomainView>> {
  return stored(await requireVisibleDomain(deps, actor, id));
}

export interface SecurityDomainInput {
  name: string;
  /** Omitted fields take DEFAULT_OFFLINE_POLICY's values: a PUT states the whole policy or its defaults. */
  offlinePolicy?: Partial<OfflinePolicy>;
  /** Likewise DEFAULT_PIN_POLICY's: six digits at least unless stated. */
  pinPolicy?: Partial<PinPolicy>;
  /** Likewise DEFAULT_VIEW_POLICY's: no reason asked, no dual control unless stated. */
  viewPolicy?: Partial<ViewPolicy>;
}

export async function putSecurityDomain(
  deps: UseCaseDependencies,
  actor: AdminActor,
  id: string,
  input: SecurityDomainInput,
  expected: ExpectedVersion | undefined,
): Promise<Stored<SecurityDomainView>> {
  requireAllDomains(actor, 'Changing security domains');
  const offlinePolicy: OfflinePolicy = { ...DEFAULT_OFFLINE_POLICY, ...input.offlinePolicy };
  const pinPolicy: PinPolicy = { ...DEFAULT_PIN_POLICY, ...input.pinPolicy };
  const viewPolicy: ViewPolicy = { ...DEFAULT_VIEW_POLICY, ...input.viewPolicy };
  const problems = [
    ...viewPolicyProblems(viewPolicy).map((p) => `body.viewPolicy: ${p}`),
    ...offlinePolicyProblems(offlinePolicy, deps.policyCaps).map((p) => `body.offlinePolicy: ${p}`),
    ...pinPolicyProblems(pinPolicy).map((p) => `body.pinPolicy: ${p}`),
  ];
  if (problems.length > 0)
    throw new ValidationError('The security domain policy is not acceptable', problems);
  const existing = await deps.store.getSecurityDomain(id);
  checkExpectedVersion(existing, expected, true);
  const saved = await deps.store.saveSecurityDomain({
    id,
    name: input.name,
    offlinePolicy,
    pinPolicy,
    viewPolicy,
    version: existing?.version ?? 0,
  });
  return stored(saved, existing === null);
}

// Users

export type UserView = Omit<User, 'version'>;

export interface UserInput {
  firstName: string;
  lastName: string;
  securityDomain: string;
}

const sameUserId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const userRefOf = (user: User): UserRef => ({
  userId: user.userId,
  firstName: user.firstName,
  lastName: user.lastName,
});

async function loadVisibleUser(deps: UseCaseDependencies, actor: AdminActor, userId: string): Promise<User> {
  const user = await deps.store.getUser(userId);
  if (user === null || !canSeeDomain(actor, user.securityDomain)) throw new NotFoundError('No such user');
  return user;
}

export async function getUser(
  deps: UseCaseDependencies,
  actor: AdminActor,
  userId: string,
): Promise<Stored<UserView>> {
  return stored(await loadVisibleUser(deps, actor, userId));
}

/**
 * Creates or replaces a user. User ids are unique across domains, so an id taken in a domain the
 * administrator cannot see answers 404, as for any user there. The user's tokens carry its names and
 * domain (for search), so a replaced user's tokens are updated to match, each one conditionally and
 * audited; the same PUT again finishes what a failure left undone.
 */
export async function putUser(
  deps: UseCaseDependencies,
  actor: AdminActor,
  userId: string,
  input: UserInput,
  expected: ExpectedVersion | undefined,
): Promise<Stored<UserView>> {
  const existing = await deps.store.getUser(userId);
  if (existing !== null && !canSeeDomain(actor, existing.securityDomain)) {
    throw new NotFoundError('No such user');
  }
  await requireVisibleDomain(deps, actor, input.securityDomain);
  checkExpectedVersion(existing, expected, true);
  const saved = await deps.store.saveUser({
    userId: existing?.userId ?? userId,
    firstName: input.firstName,
    lastName: input.lastName,
    securityDomain: input.securityDomain,
    version: existing?.version ?? 0,
  });
  if (existing !== null) await updateTokensOf(deps, actor, saved);
  return stored(saved, existing === null);
}

async function updateTokensOf(deps: UseCaseDependencies, actor: AdminActor, user: User): Promise<void> {
  let cursor: string | null = null;
  do {
    const page = await deps.store.findTokensByUserId(user.userId, { limit: 100, cursor });
    for (const listing of page.items) {
      if (listing.securityDomain === user.securityDomain && sameRef(listing.user, userRefOf(user))) continue;
      const token = (await deps.store.getTokenState(listing.serial))?.items.token ?? null;
      if (token === null || token.user === null || !sameUserId(token.user.userId, user.userId)) continue;
      if (!canSeeDomain(actor, token.securityDomain)) continue;
      // The index is eventually consistent: the token itself may already be up to date.
      if (token.securityDomain === user.securityDomain && sameRef(token.user, userRefOf(user))) continue;
      const events = [
        auditEventOf(
          deps,
          manageEntry(actor, token.serial, 'success', {
            change: 'user-update',
            userId: user.userId,
            securityDomain: user.securityDomain,
            changed: true,
          }),
        ),
      ];
      await deps.store.saveToken(
        { ...token, user: userRefOf(user), securityDomain: user.securityDomain },
        events,
      );
      await appendAuditEvents(deps, events);
    }
    cursor = page.cursor;
  } while (cursor !== null);
}

const sameRef = (a: UserRef | null, b: UserRef) =>
  a !== null && a.userId === b.userId && a.firstName === b.firstName && a.lastName === b.lastName;

// Tokens

/** A token as management shows it: its overview, TOTP digits, and whether a PIN is set (never the PIN). */
export interface ManagedToken extends TokenOverview {
  digits: Token['digits'];
  pinSet: boolean;
}

/** A token's management version: a tag of its token item and the regions' admin items. */
const tokenVersionOf = (state: TokenState): string => tagOf(state.items, false);

function storedToken(state: TokenState, created = false): Stored<ManagedToken> {
  const value = {
    token: state.token,
    issued: state.issued,
    lockout: state.lockout,
    digits: state.token.digits,
    pinSet: state.token.pinVerifier !== null,
  };
  return { value, version: tokenVersionOf(state), created };
}

/** The version read, optional, against a token's management version. */
function checkTokenVersion(state: TokenState, expected: ExpectedVersion | undefined): void {
  if (expected === undefined || versionMatches(expected, tokenVersionOf(state))) return;
  throw new AppError('ETAG_MISMATCH', 'It changed since it was read');
}

function manageEntry(
  actor: AdminActor,
  serial: string,
  outcome: 'success' | 'denied',
  details: Record<string, AuditDetailValue>,
): AuditEntry {
  return {
    serial,
    action: 'token.manage',
    actor: actor.id,
    via: actor.via,
    requestId: actor.requestId,
    outcome,
    details,
  };
}

/** Audits a management act that changes nothing (a refusal, a change already made). */
async function auditManage(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  outcome: 'success' | 'denied',
  details: Record<string, AuditDetailValue>,
): Promise<void> {
  await recordAudit(deps, manageEntry(actor, serial, outcome, details));
}

/** Refuses a change the token's state does not allow: audited as denied, then 409 with the reason. */
async function refuse(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  reason: string,
  details: Record<string, AuditDetailValue>,
): Promise<never> {
  await auditManage(deps, actor, serial, 'denied', { ...details, reasons: reason });
  throw new AppError('PRECONDITION_NOT_MET', 'The token does not allow this change', { reasons: [reason] });
}

/**
 * Writes what changed (this region's admin item, then the token item: an unassignment narrows access
 * before it drops the user) and answers the token as it now is. Each write carries its own event in its
 * outbox (`details` for the last write; `narrowing` for the admin item's when the token item follows), so
 * whichever writes stand are audited, each once: should the token's write fail, the narrowing is audited as
 * what it is, and the retry, which finds access already narrowed, audits the rest.
 */
async function commit(
  deps: UseCaseDependencies,
  actor: AdminActor,
  state: TokenState,
  change: { admin?: AdminChange; token?: Token },
  details: Record<string, AuditDetailValue>,
  narrowing: Record<string, AuditDetailValue> = details,
): Promise<Stored<ManagedToken>> {
  const changed = change.admin !== undefined || change.token !== undefined;
  const serial = state.token.serial;
  if (!changed) {
    await auditManage(deps, actor, serial, 'success', { ...details, changed });
    return storedToken(mergeTokenState(state.items));
  }
  const eventOf = (d: Record<string, AuditDetailValue>) =>
    auditEventOf(deps, manageEntry(actor, serial, 'success', { ...d, changed }));
  let items = state.items;
  if (change.admin !== undefined) {
    const events = [eventOf(change.token === undefined ? details : narrowing)];
    const write = { region: deps.regionName, at: deps.clock(), by: actor.id };
    items = withAdminSettings(
      items,
      await deps.store.saveAdminSettings(nextAdminSettings(items, change.admin, write), events),
    );
    await appendAuditEvents(deps, events);
  }
  if (change.token !== undefined) {
    const events = [eventOf(details)];
    items = { ...items, token: await deps.store.saveToken(change.token, events) };
    await appendAuditEvents(deps, events);
  }
  return storedToken(mergeTokenState(items));
}

export interface TokenImport {
  serial: string;
  kind: TokenKind;
  /** Base32. Sealed at once, never stored or returned in clear. */
  seed: string;
  digits: 6 | 8;
  securityDomain: string;
  enabled?: boolean;
}

const tokenExists = () =>
  new AppError('PRECONDITION_NOT_MET', 'A token with this serial exists', { reasons: ['TOKEN_EXISTS'] });

/**
 * Imports a token, unassigned, into a security domain the administrator may see. Serials are unique
 * across domains: one that is taken anywhere is refused with 409 TOKEN_EXISTS.
 */
export async function importToken(
  deps: UseCaseDependencies,
  actor: AdminActor,
  input: TokenImport,
): Promise<Stored<ManagedToken>> {
  await requireVisibleDomain(deps, actor, input.securityDomain);
  if ((await deps.store.getToken(input.serial)) !== null) throw tokenExists();
  const sealedSeed = await sealSeed(deps, input.serial, input.seed);
  const enabled = input.enabled ?? true;
  const events = [
    auditEventOf(
      deps,
      manageEntry(actor, input.serial, 'success', {
        change: 'import',
        kind: input.kind,
        digits: input.digits,
        securityDomain: input.securityDomain,
        enabled,
        changed: true,
      }),
    ),
  ];
  let token: Token;
  try {
    token = await deps.store.saveToken(
      {
        serial: input.serial,
        kind: input.kind,
        enabled,
        user: null,
        securityDomain: input.securityDomain,
        digits: input.digits,
        sealedSeed,
        pinVerifier: null,
        lastOnlineAuthenticationAt: null,
        version: 0,
      },
      events,
    );
  } catch (error) {
    if (isConflict(error)) throw tokenExists();
    throw error;
  }
  await appendAuditEvents(deps, events);
  return storedToken(mergeTokenState(itemsOfNewToken(token)), true);
}

async function sealSeed(deps: UseCaseDependencies, serial: string, base32: string) {
  let seed: Buffer;
  try {
    seed = decodeBase32(base32);
  } catch {
    seed = Buffer.alloc(0);
  }
  try {
    if (seed.length < MIN_SEED_BYTES || seed.length > MAX_SEED_BYTES) {
      throw new ValidationError('The seed is not acceptable', [
        `body.seed: a seed is ${MIN_SEED_BYTES * 8} to ${MAX_SEED_BYTES * 8} bits of base32`,
      ]);
    }
    return await deps.sealer.seal(seed, { purpose: 'totp-seed', serial, generation: 0 });
  } finally {
    seed.fill(0);
  }
}

/**
 * Assigns the token to a user the administrator may see; the token moves to the user's domain. An
 * assigned token must be unassigned before it goes to someone else (as in SecurID), so that the PIN and
 * offline code of one user never pass to another. Assigning it to its own user again refreshes its
 * copy of the user's names.
 */
export async function assignToken(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  userId: string,
  expected: ExpectedVersion | undefined,
): Promise<Stored<ManagedToken>> {
  const state = await loadVisibleTokenState(deps, actor, serial);
  checkTokenVersion(state, expected);
  const user = await loadVisibleUser(deps, actor, userId);
  const details = {
    change: 'assign',
    userId: user.userId,
    securityDomain: user.securityDomain,
    assignmentEpoch: assignmentEpochOf(state.token),
  };
  const current = state.token.user;
  if (current !== null && !sameUserId(current.userId, user.userId)) {
    return refuse(deps, actor, serial, 'TOKEN_ASSIGNED', details);
  }
  const ref = userRefOf(user);
  const changed = !sameRef(current, ref) || state.token.securityDomain !== user.securityDomain;
  const token: Token = { ...state.items.token, user: ref, securityDomain: user.securityDomain };
  return commit(deps, actor, state, changed ? { token } : {}, details);
}

/**
 * Unassigns the token. What belonged to its user goes with the user: the PIN is cleared, online use of
 * the offline code is revoked and a new offline code is requested, so the next user can never pass with
 * the last one's. Those are one write of this region's admin item, made first and audited as
 * `revoke-access`: if the token's write then fails, access has only narrowed. The token's write, audited as
 * `unassign`, moves its assignment epoch on (assignment.ts): the
 * user's downloaded offline data and issued code belong to the old epoch and serve no later assignment.
 */
export async function unassignToken(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  expected: ExpectedVersion | undefined,
): Promise<Stored<ManagedToken>> {
  const state = await loadVisibleTokenState(deps, actor, serial);
  checkTokenVersion(state, expected);
  const previous = state.token.user;
  if (previous === null) return commit(deps, actor, state, {}, { change: 'unassign' });
  const { settings, issued } = state;
  const requestReset = issued !== null && !isResetPending(settings, issued);
  const admin: AdminChange = {
    ...(state.token.pinVerifier !== null ? { pin: null } : {}),
    ...(settings.onlineUseAllowed ? { onlineUse: false } : {}),
    ...(requestReset ? { resetAtGeneration: issued.generation } : {}),
  };
  const assignmentEpoch = nextAssignmentEpoch(state.items.token);
  return commit(
    deps,
    actor,
    state,
    {
      ...(Object.keys(admin).length > 0 ? { admin } : {}),
      token: { ...state.items.token, user: null, assignmentEpoch },
    },
    { change: 'unassign', userId: previous.userId, offlineDataInvalidated: true, assignmentEpoch },
    {
      change: 'revoke-access',
      userId: previous.userId,
      pinCleared: state.token.pinVerifier !== null,
      onlineUseRevoked: settings.onlineUseAllowed,
      resetRequested: requestReset,
    },
  );
}

export async function setTokenEnabled(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  enabled: boolean,
  expected: ExpectedVersion | undefined,
): Promise<Stored<ManagedToken>> {
  const state = await loadVisibleTokenState(deps, actor, serial);
  checkTokenVersion(state, expected);
  return commit(deps, actor, state, state.token.enabled !== enabled ? { admin: { enabled } } : {}, {
    change: enabled ? 'enable' : 'disable',
  });
}

/** A PIN that breaks the token's domain policy is a 400 naming the rule, never the PIN. */
async function requirePinOfPolicy(deps: UseCaseDependencies, domainId: string, pin: string): Promise<void> {
  const problems = pinProblems(pinPolicyOf(await deps.store.getSecurityDomain(domainId)), pin);
  if (problems.length > 0) {
    throw new ValidationError(
      'The PIN does not meet the security domain PIN policy',
      problems.map((p) => `body.pin: ${p}`),
    );
  }
}

/** Sets the PIN of an assigned securid token: only its salted, peppered verifier is kept. */
export async function setPin(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  pin: string,
  expected: ExpectedVersion | undefined,
): Promise<Stored<ManagedToken>> {
  const state = await loadVisibleTokenState(deps, actor, serial);
  checkTokenVersion(state, expected);
  const details = { change: 'pin-set' };
  if (state.token.kind !== 'securid') return refuse(deps, actor, serial, 'TOKEN_KIND_HAS_NO_PIN', details);
  if (state.token.user === null) return refuse(deps, actor, serial, 'TOKEN_UNASSIGNED', details);
  await requirePinOfPolicy(deps, state.token.securityDomain, pin);
  const verifier = await createPinVerifier(deps, serial, pin);
  return commit(deps, actor, state, { admin: { pin: verifier } }, details);
}

export async function clearPin(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  expected: ExpectedVersion | undefined,
): Promise<Stored<ManagedToken>> {
  const state = await loadVisibleTokenState(deps, actor, serial);
  checkTokenVersion(state, expected);
  const details = { change: 'pin-clear' };
  if (state.token.kind !== 'securid') return refuse(deps, actor, serial, 'TOKEN_KIND_HAS_NO_PIN', details);
  return commit(
    deps,
    actor,
    state,
    state.token.pinVerifier !== null ? { admin: { pin: null } } : {},
    details,
  );
}

// Agents

export type AgentView = Omit<Agent, 'version'>;

export interface AgentInput {
  name: string;
  supportsOfflineAuthentication: boolean;
}

export async function listAgents(
  deps: UseCaseDependencies,
  actor: AdminActor,
  page: PageRequest,
): Promise<Page<AgentView>> {
  requireAllDomains(actor, 'Managing agents');
  const cursors = new PageCursors(deps.sealer, deps.clock);
  const scope = { operation: 'listAgents', actor, query: {} };
  const position = await cursors.open(scope, page.cursor);
  if (position !== null && typeof position !== 'string') throw invalidCursor();
  const result = await deps.store.listAgents({ limit: page.limit, cursor: position });
  return {
    items: result.items.map((a) => withoutVersion(a)),
    cursor: await cursors.seal(scope, result.cursor),
  };
}

export async function getAgent(
  deps: UseCaseDependencies,
  actor: AdminActor,
  agentId: string,
): Promise<Stored<AgentView>> {
  requireAllDomains(actor, 'Managing agents');
  const agent = await deps.store.getAgent(agentId);
  if (agent === null) throw new NotFoundError('No such agent');
  return stored(agent);
}

export async function putAgent(
  deps: UseCaseDependencies,
  actor: AdminActor,
  agentId: string,
  input: AgentInput,
  expected: ExpectedVersion | undefined,
): Promise<Stored<AgentView>> {
  requireAllDomains(actor, 'Managing agents');
  const existing = await deps.store.getAgent(agentId);
  checkExpectedVersion(existing, expected, true);
  const saved = await deps.store.saveAgent({
    agentId,
    name: input.name,
    supportsOfflineAuthentication: input.supportsOfflineAuthentication,
    version: existing?.version ?? 0,
  });
  return stored(saved, existing === null);
}
