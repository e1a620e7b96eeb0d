import { ValidationError } from '../../domain/errors';
import { pinPolicyOf, pinProblems } from '../../domain/pin-policy';
import type { ExpectedVersion } from '../../domain/version';
import { createPinVerifier } from '../code-verifier';
import type { AdminActor, UseCaseDependencies } from '../context';
import { loadVisibleTokenState } from '../emergency-access';
import type { Stored } from './stored';
import { checkTokenVersion, commit, refuse, type ManagedToken } from './token-changes';

/** PINs of securid tokens: only a salted, peppered verifier is kept, never the PIN. */
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
