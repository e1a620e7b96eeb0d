import { evaluateEligibility } from '../domain/eligibility';
import { AppError, isConflict } from '../domain/errors';
import { isCodeUsable } from '../domain/issuance';
import {
  countFailure,
  countSuccess,
  EMERGENCY_ACCESS_FAILURE_LIMIT,
  isLocked,
  isSpentStep,
  mergeCounters,
  TOKENCODE_FAILURE_LIMIT,
  type FailedAttempt,
} from '../domain/lockout';
import type {
  Agent,
  AuditAction,
  AuditDetailValue,
  AuditOutcome,
  IssuedEmergencyCode,
  OfflinePolicy,
  OutboxEvent,
  RegionalCounters,
  TokenState,
} from '../domain/model';
import type { OfflineData } from '../domain/offline-data';
import { readPasscode } from '../domain/passcode';
import { appendAuditEvents, auditEventOf, recordAudit, type AuditEntry } from './audit';
import { requireClientBudget } from './client-budget';
import type { UseCaseDependencies } from './context';
import { updateCounters } from './lockout-counters';
import { deliverOfflineData } from './offline-delivery';
import {
  checkCode,
  checkTokencode,
  KdfBudget,
  SealedSeed,
  type CodeReading,
  type TokencodeReading,
} from './passcode-checks';

/** An authentication agent calling the agent API; its id comes from its verified JWT. */
export interface AgentActor {
  agentId: string;
  requestId: string;
}

export interface AgentAuthentication {
  userId: string;
  passcode: string;
  /**
   * The offline emergency code the agent holds, so that a stale one is noticed; `spentOffline` when the
   * agent accepted it offline as a single-use code, so that it is spent here too.
   */
  heldOffline?: { generation: number; issueId?: string; spentOffline?: boolean };
}

export type AuthenticationMethod = 'tokencode' | 'emergency-access';

/**
 * Why a reject, given only to a caller who sent the right PIN and offline emergency code: it tells the
 * agent nothing that the passcode's holder could not learn by asking the help desk, and nothing at all to
 * a guesser (a wrong code, a known or an unknown user, is a plain `reject`).
 */
export type RejectReason = 'ONLINE_USE_NOT_ALLOWED';

export interface AgentAuthenticationResult {
  outcome: 'accept' | 'reject' | 'locked';
  method: AuthenticationMethod | null;
  offlineData: OfflineData | null;
  reason?: RejectReason;
}

const REJECT: AgentAuthenticationResult = { outcome: 'reject', method: null, offlineData: null };
const ONLINE_USE_OFF: AgentAuthenticationResult = { ...REJECT, reason: 'ONLINE_USE_NOT_ALLOWED' };
const LOCKED: AgentAuthenticationResult = { outcome: 'locked', method: null, offlineData: null };

/** A user holds a handful of tokens at most; one page of the user index is all of them. */
const MAX_TOKENS_PER_USER = 10;

/**
 * Online authentication by an agent (docs/api.md "Agent API"). The passcode is checked against each enabled token
 * of the user until one accepts. A wrong passcode is `reject`; so is an unknown user, with the same work
 * done, and audited only when a token exists. On accept by an offline-capable agent in a domain with
 * offline authentication, the reply carries offline data (offline-delivery.ts).
 */
export async function authenticate(
  deps: UseCaseDependencies,
  actor: AgentActor,
  request: AgentAuthentication,
): Promise<AgentAuthenticationResult> {
  const agent = await deps.store.getAgent(actor.agentId);
  if (agent === null) throw new AppError('FORBIDDEN', 'The agent is not registered');
  // Every authentication costs exactly the budget's KDF runs, an unknown user's included.
  const budget = new KdfBudget(deps.pepper, deps.kdf);
  try {
    return await authenticateUser(deps, actor, agent, request, budget);
  } finally {
    await budget.spendTheRest();
  }
}

async function authenticateUser(
  deps: UseCaseDependencies,
  actor: AgentActor,
  agent: Agent,
  request: AgentAuthentication,
  budget: KdfBudget,
): Promise<AgentAuthenticationResult> {
  const serials = await tokenSerialsOf(deps, request.userId);
  if (serials.length === 0) return unknownUserAttempt(deps, request);
  let locked = 0;
  let explained: AgentAuthenticationResult | null = null;
  for (const serial of serials) {
    const result = await authenticateWithToken(deps, actor, agent, serial, request, budget);
    if (result.outcome === 'accept') return result;
    if (result.outcome === 'locked') locked += 1;
    if (result.reason !== undefined) explained = result;
  }
  return locked === serials.length ? LOCKED : (explained ?? REJECT);
}

/**
 * A user id with no token answers as a known user's SecurID token does: `reject`, then `locked` once
 * TOKENCODE_FAILURE_LIMIT failures are counted, so neither the answer nor the number of attempts it takes
 * tells which user ids exist. Every passcode counts, as on a token that holds a code: one that reads
 * only as the emergency code is checked (and counted when wrong) even with online use off.
 */
async function unknownUserAttempt(
  deps: UseCaseDependencies,
  request: AgentAuthentication,
): Promise<AgentAuthenticationResult> {
  const before = await requireClientBudget(deps).countUnknownUserFailure(request.userId, deps.clock());
  return before >= TOKENCODE_FAILURE_LIMIT ? LOCKED : REJECT;
}

async function tokenSerialsOf(deps: UseCaseDependencies, userId: string): Promise<string[]> {
  const page = await deps.store.findTokensByUserId(userId, { limit: MAX_TOKENS_PER_USER });
  const wanted = userId.toLowerCase();
  return page.items
    .filter((t) => t.user?.userId.toLowerCase() === wanted)
    .map((t) => t.serial)
    .sort();
}

const isOwnedBy = (state: TokenState, userId: string) =>
  state.token.user?.userId.toLowerCase() === userId.toLowerCase();

async function authenticateWithToken(
  deps: UseCaseDependencies,
  actor: AgentActor,
  agent: Agent,
  serial: string,
  request: AgentAuthentication,
  budget: KdfBudget,
): Promise<AgentAuthenticationResult> {
  const state = await deps.store.getTokenState(serial);
  // The user index is eventually consistent: the token item itself must name this user.
  if (state === null || !isOwnedBy(state, request.userId)) return REJECT;
  const now = deps.clock();
  const { token, issued } = state;
  const policy = (await deps.store.getSecurityDomain(token.securityDomain))?.offlinePolicy ?? null;
  const { readings, asTokencode, asCode, attempted } = readAttempt(state, policy, request.passcode);
  const entry: AuditEntryOf = (action, outcome, details) => ({
    serial,
    action,
    actor: agent.agentId,
    requestId: actor.requestId,
    outcome,
    details,
  });
  const audit = (action: AuditAction, outcome: AuditOutcome, details: Record<string, AuditDetailValue>) =>
    recordAudit(deps, entry(action, outcome, details));

  if (token.user === null || !token.enabled) {
    await audit(attempted, 'denied', { reason: token.user === null ? 'TOKEN_UNASSIGNED' : 'TOKEN_DISABLED' });
    return REJECT;
  }
  if (isLocked(state.lockout)) {
    await audit(attempted, 'denied', { reason: 'LOCKED' });
    return LOCKED;
  }
  const codeRefusal = asCode === undefined ? null : await onlineCodeRefusal(deps, state, policy, now);
  // With online use off, a passcode that can only be the code is still checked: the right one earns the
  // reason; a wrong one is a failure counted like any other, so the check is no free oracle for guessing.
  const checkedDespiteOff =
    codeRefusal === 'ONLINE_USE_NOT_ALLOWED' && asTokencode === undefined && isCodeUsable(issued, now);
  if (asTokencode === undefined && asCode !== undefined && codeRefusal !== null && !checkedDespiteOff) {
    // Nothing secret is tested, so nothing is counted.
    await audit(attempted, 'denied', { reason: codeRefusal });
    return REJECT;
  }
  const tryCode = asCode !== undefined && (codeRefusal === null || checkedDespiteOff);

  const seed = new SealedSeed(deps, token);
  try {
    const [step, codeMatches] = await Promise.all([
      asTokencode === undefined ? null : checkTokencode(seed, token, asTokencode, now, budget),
      tryCode ? checkCode(token, issued!, asCode, budget) : false,
    ]);
    if (checkedDespiteOff && codeMatches) {
      // Right, but not usable online: nothing is counted, either way.
      await audit(attempted, 'denied', { reason: codeRefusal });
      return ONLINE_USE_OFF;
    }
    const delivers = agent.supportsOfflineAuthentication && policy?.offlineAuthenticationEnabled === true;
    // The login's event rides in the outbox of the write that accepts it (the counters), so the step spent
    // and the failures acknowledged are never without it.
    const success = (action: AuditAction) =>
      auditEventOf(
        deps,
        entry(action, 'success', {
          offlineData: delivers,
          heldGeneration: request.heldOffline?.generation ?? null,
        }),
      );
    const accepted = await acceptMatch(deps, state, policy, now, success, {
      tokencodeStep: step === null ? null : { step, reading: asTokencode! },
      code: codeMatches ? asCode! : null,
    });
    if (accepted?.blocked === 'LOCKED') {
      await audit(attempted, 'denied', { reason: 'LOCKED' });
      return LOCKED;
    }
    if (accepted === null || accepted.blocked !== null) {
      const failed: FailedAttempt = {
        tokencode: asTokencode !== undefined || !tryCode,
        emergencyAccess: tryCode,
      };
      const reason = accepted?.blocked ?? (readings.length === 0 ? 'MALFORMED' : 'NO_MATCH');
      await countAndAuditFailure(deps, state, failed, now, (action, outcome, details) =>
        entry(action ?? attempted, outcome, action === null ? { reason, ...details } : details),
      );
      return REJECT;
    }
    const { method, pin } = accepted;
    const current = await spendHeldOffline(
      deps,
      policy,
      accepted.issued,
      request.heldOffline,
      now,
      (generation) =>
        auditEventOf(
          deps,
          entry('emergency-access.used-offline', 'success', { generation, agentId: agent.agentId }),
        ),
    );

    const offline = delivers
      ? await deliverOfflineData(deps, {
          state,
          issued: current,
          policy,
          agent,
          pin,
          seed: await seed.get(),
          requestId: actor.requestId,
          now,
        })
      : null;
    if (offline !== null) {
      // Offline data holds the code: like a view, its download is audited before anything leaves.
      const delivered = offline.emergency?.issued ?? null;
      const held = request.heldOffline;
      await audit('offline-data.downloaded', 'success', {
        generation: delivered?.generation ?? null,
        heldGeneration: held?.generation ?? null,
        heldReplaced:
          held !== undefined &&
          delivered !== null &&
          (held.generation !== delivered.generation ||
            (held.issueId !== undefined && held.issueId !== delivered.issueId)),
      });
    }
    return { outcome: 'accept', method, offlineData: offline?.data ?? null };
  } finally {
    await seed.wipe();
  }
}

/** What the passcode can be read as, for this token, and which action an attempt is audited as. */
function readAttempt(state: TokenState, policy: OfflinePolicy | null, passcode: string) {
  const { token, issued } = state;
  const readings = readPasscode(passcode, {
    kind: token.kind,
    digits: token.digits,
    emergencyCodeLength:
      issued === null ? null : (issued.codeLength ?? policy?.emergencyCodeFormat.length ?? null),
  });
  const asTokencode = readings.find((r): r is TokencodeReading => r.method === 'tokencode');
  const asCode = readings.find((r): r is CodeReading => r.method === 'emergency-access');
  // A passcode that can only be an emergency code is audited as one; anything else as a tokencode.
  const attempted: AuditAction =
    asCode !== undefined && asTokencode === undefined
      ? 'authenticate.emergency-access'
      : 'authenticate.tokencode';
  return { readings, asTokencode, asCode, attempted };
}

/** Accepts what matched: the tokencode first, else the emergency code; null when nothing did. */
async function acceptMatch(
  deps: UseCaseDependencies,
  state: TokenState,
  policy: OfflinePolicy | null,
  now: Date,
  success: (action: AuditAction) => OutboxEvent,
  matched: { tokencodeStep: { step: number; reading: TokencodeReading } | null; code: CodeReading | null },
) {
  const { tokencodeStep, code } = matched;
  if (tokencodeStep !== null) {
    const event = success('authenticate.tokencode');
    return acceptTokencode(deps, state, now, tokencodeStep.step, tokencodeStep.reading, event);
  }
  if (code !== null)
    return acceptCode(deps, state, policy, now, code, success('authenticate.emergency-access'));
  return null;
}

/** Why the offline emergency code cannot be used online now; null when it can. */
async function onlineCodeRefusal(
  deps: UseCaseDependencies,
  state: TokenState,
  policy: OfflinePolicy | null,
  now: Date,
): Promise<string | null> {
  if (!state.settings.onlineUseAllowed) return 'ONLINE_USE_NOT_ALLOWED';
  if (!isCodeUsable(state.issued, now)) return 'NO_ACTIVE_CODE';
  const user = state.token.user!;
  const eligibility = evaluateEligibility({
    token: state.token,
    policy,
    offlineAuthentications: await deps.store.listOfflineAuthentications(user.userId),
    now,
  });
  return eligibility.eligible ? null : 'NOT_ELIGIBLE';
}

type Blocked = 'LOCKED' | 'REPLAYED' | 'CODE_CHANGED';

interface Acceptance {
  /** Set when what the counters or the code showed at write time forbids the accept. */
  blocked: Blocked | null;
  method: AuthenticationMethod;
  pin: string | null;
  /** The issued code after this login. */
  issued: IssuedEmergencyCode | null;
}

/**
 * Spends the tokencode's step and acknowledges the failures seen, unless the token got locked or the
 * step was spent meanwhile (in this region; across regions, within the replication delay, see docs/design.md).
 */
async function acceptTokencode(
  deps: UseCaseDependencies,
  state: TokenState,
  now: Date,
  step: number,
  reading: TokencodeReading,
  success: OutboxEvent,
): Promise<Acceptance> {
  const blocked = await countAcceptance(
    deps,
    state,
    success,
    (merged) => (isLocked(merged) ? 'LOCKED' : isSpentStep(merged, step) ? 'REPLAYED' : null),
    (items, own) => countSuccess(items, own, step, now),
  );
  return { blocked, method: 'tokencode', pin: reading.pin, issued: state.issued };
}

/**
 * Writes this region's counters for an accepted login (unless `blocks` says what they show forbids it),
 * the login's `success` event in that write's outbox; appended alone when the counters need no write.
 */
async function countAcceptance(
  deps: UseCaseDependencies,
  state: TokenState,
  success: OutboxEvent,
  blocks: (merged: ReturnType<typeof mergeCounters>) => Blocked | null,
  count: (items: readonly RegionalCounters[], own: RegionalCounters) => RegionalCounters,
): Promise<Blocked | null> {
  const seen: { blocked: Blocked | null; wrote: boolean } = { blocked: null, wrote: false };
  await updateCounters(
    deps,
    state,
    (items, own) => {
      seen.blocked = blocks(mergeCounters(state.token.serial, items));
      return seen.blocked === null ? count(items, own) : null;
    },
    () => {
      seen.wrote = true;
      return [success];
    },
  );
  if (seen.blocked === null && !seen.wrote) await appendAuditEvents(deps, [success]);
  return seen.blocked;
}

/** Acknowledges the failures seen and spends a single-use code, unless the token got locked or the code changed meanwhile. */
async function acceptCode(
  deps: UseCaseDependencies,
  state: TokenState,
  policy: OfflinePolicy | null,
  now: Date,
  reading: CodeReading,
  success: OutboxEvent,
): Promise<Acceptance> {
  let blocked = await countAcceptance(
    deps,
    state,
    success,
    (merged) => (isLocked(merged) ? 'LOCKED' : null),
    (items, own) => countSuccess(items, own, null, now),
  );
  let issued = state.issued;
  if (blocked === null && policy?.singleUse === true) {
    // Lost to a concurrent use or a new code: audited next as a failure (CODE_CHANGED) after the success.
    issued = await spend(deps, state.issued!, now);
    if (issued === null) blocked = 'CODE_CHANGED';
  }
  return { blocked, method: 'emergency-access', pin: reading.pin, issued };
}

type AuditEntryOf = (
  action: AuditAction,
  outcome: AuditOutcome,
  details: Record<string, AuditDetailValue>,
) => AuditEntry;

/**
 * Counts the failure and audits it (`action` null), then the lockout if this failure caused one. The
 * events are in the outbox of the lockout item's write that counted the failure.
 */
async function countAndAuditFailure(
  deps: UseCaseDependencies,
  state: TokenState,
  failed: FailedAttempt,
  now: Date,
  entry: (
    action: AuditAction | null,
    outcome: AuditOutcome,
    details: Record<string, AuditDetailValue>,
  ) => AuditEntry,
): Promise<void> {
  const seen = { lockedNow: false, wrote: false };
  const eventsOf = (items: readonly RegionalCounters[]): OutboxEvent[] => {
    const counters = mergeCounters(state.token.serial, items);
    const counts = {
      tokencodeFailures: counters.tokencodeFailures,
      emergencyAccessFailures: counters.emergencyAccessFailures,
    };
    const events = [auditEventOf(deps, entry(null, 'failure', counts))];
    if (seen.lockedNow) {
      events.push(
        auditEventOf(
          deps,
          entry('authenticate.lockout', 'denied', {
            ...counts,
            tokencodeLimit: TOKENCODE_FAILURE_LIMIT,
            emergencyAccessLimit: EMERGENCY_ACCESS_FAILURE_LIMIT,
          }),
        ),
      );
    }
    return events;
  };
  const items = (await updateCounters(
    deps,
    state,
    (all, own) => {
      const next = countFailure(all, own, failed, now);
      seen.lockedNow = own.lockedAt === null && next.lockedAt !== null;
      seen.wrote = false;
      return next;
    },
    (all, next) => {
      seen.wrote = true;
      return eventsOf([...all.filter((c) => c.region !== next.region), next]);
    },
  ))!;
  // A failure that changed no counter (none does today) is still audited.
  if (!seen.wrote) await appendAuditEvents(deps, eventsOf(items));
}

/**
 * After an accepted login (the user is present), spends the single-use code the agent reports it accepted
 * offline, when that is the issued code and it is still usable; a report of any other code changes nothing.
 * Returns the issued code as it now stands, so that the offline delivery issues the next generation.
 */
async function spendHeldOffline(
  deps: UseCaseDependencies,
  policy: OfflinePolicy | null,
  issued: IssuedEmergencyCode | null,
  held: AgentAuthentication['heldOffline'],
  now: Date,
  usedOffline: (generation: number) => OutboxEvent,
): Promise<IssuedEmergencyCode | null> {
  if (held?.spentOffline !== true || policy?.singleUse !== true || !isCodeUsable(issued, now)) return issued;
  if (held.generation !== issued.generation) return issued;
  if (held.issueId !== undefined && held.issueId !== issued.issueId) return issued;
  const spent = await spend(deps, issued, now, [usedOffline(issued.generation)]);
  // Lost to another write (a use, a new code): the delivery works from what is stored now.
  return spent ?? (await deps.store.getTokenState(issued.serial))?.issued ?? issued;
}

/**
 * Marks a single-use code spent, its audit events in the write's outbox; null when the item changed under
 * us (another use, or a new code).
 */
async function spend(
  deps: UseCaseDependencies,
  issued: IssuedEmergencyCode,
  now: Date,
  audit: readonly OutboxEvent[] = [],
): Promise<IssuedEmergencyCode | null> {
  let spent: IssuedEmergencyCode;
  try {
    spent = await deps.store.saveIssuedCode({ ...issued, usedAt: now.toISOString() }, audit);
  } catch (error) {
    if (isConflict(error)) return null;
    throw error;
  }
  await appendAuditEvents(deps, audit);
  return spent;
}
