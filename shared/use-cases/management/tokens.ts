import { assignmentEpochOf, nextAssignmentEpoch } from '../../domain/assignment';
import { isResetPending } from '../../domain/emergency-access';
import { AppError, isConflict } from '../../domain/errors';
import type { Token, TokenKind } from '../../domain/model';
import { itemsOfNewToken, mergeTokenState, type AdminChange } from '../../domain/regional-state';
import { decodeSeed } from '../../domain/seed';
import type { ExpectedVersion } from '../../domain/version';
import { appendAuditEvents, auditEventOf } from '../audit';
import type { AdminActor, UseCaseDependencies } from '../context';
import { loadVisibleTokenState } from '../emergency-access';
import { requireVisibleDomain, type Stored } from './stored';
import {
  checkTokenVersion,
  commit,
  manageEntry,
  refuse,
  storedToken,
  type ManagedToken,
} from './token-changes';
import { loadVisibleUser, sameRef, sameUserId, userRefOf } from './users';

/** Token import, assignment and enabling; every change audited as `token.manage` (never with a seed). */
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
  const seed = decodeSeed(base32);
  try {
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
