/** Helpers of the agent API tests: a clock the test moves, logins through the handler, the agent library. */
import { agentAuthenticateRoute } from '../../functions/api/contract/agent-routes';
import {
  getSecurityDomainRoute,
  putSecurityDomainRoute,
} from '../../functions/api/contract/management-routes';
import type { OfflinePolicy } from '../../shared/domain/model';
import { parseOfflineData, verifyOfflinePasscode } from '../../shared/agent';
import { decodeBase32, totp } from '../../shared/domain/totp';
import { PRODUCTION_KDF_COST, type KdfCost } from '../../shared/domain/verifier';
import type { UseCaseDependencies } from '../../shared/use-cases/context';
import type { Claims } from './events';
import { ADMIN, AGENT } from './events';
import type { UseCaseSystem } from './system';

export const WEB_AGENT: Claims = { sub: 'web-agent', client_id: 'web-agent', scope: 'eat/agent' };

/**
 * A clock the test moves by minutes, starting 20 s into the current minute. Each reading is a millisecond
 * after the last, as a real clock's would be, so audit events keep their order.
 */
export class TestClock {
  now = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 20_000);
  readonly read = () => {
    this.now = new Date(this.now.getTime() + 1);
    return this.now;
  };
  advanceMinutes(minutes: number): Date {
    this.now = new Date(this.now.getTime() + minutes * 60_000);
    return this.now;
  }
}

export interface Person {
  userId: string;
  seed: string;
  pin: string | null;
}

/** The token's tokencode one minute on (each TOTP step is accepted once). */
export function nextTokencode(clock: TestClock, user: Person): string {
  clock.advanceMinutes(1);
  return totp(decodeBase32(user.seed), clock.now);
}

/** PIN and tokencode for SecurID, the tokencode alone for Authenticate, one minute on. */
export function nextPasscode(clock: TestClock, user: Person): string {
  return `${user.pin ?? ''}${nextTokencode(clock, user)}`;
}

export interface LoginOptions {
  claims?: Claims;
  heldOffline?: { generation: number; issueId?: string; spentOffline?: boolean };
}

export function agentLogin(
  system: UseCaseSystem,
  deps: UseCaseDependencies,
  userId: string,
  passcode: string,
  options: LoginOptions = {},
) {
  return system.callWith(deps, agentAuthenticateRoute, {
    claims: options.claims ?? AGENT,
    body: { userId, passcode, ...(options.heldOffline ? { heldOffline: options.heldOffline } : {}) },
  });
}

/**
 * What the agent library says of a passcode against the offline data of a reply, at `at`; at the KDF cost
 * the data was made at when it is not production's (verifier.ts).
 */
export async function offlineCheck(
  offlineData: unknown,
  passcode: string,
  at: Date,
  kdf: Readonly<KdfCost> = PRODUCTION_KDF_COST,
) {
  return verifyOfflinePasscode(parseOfflineData(offlineData, kdf), passcode, { at, kdf });
}

/** Changes part of a security domain's offline policy through the API (GET, then PUT with its ETag). */
export async function changeOfflinePolicy(
  system: UseCaseSystem,
  deps: UseCaseDependencies,
  domainId: string,
  change: Partial<OfflinePolicy>,
) {
  const params = { domainId };
  const current = await system.callWith(deps, getSecurityDomainRoute, { claims: ADMIN, params });
  const { id: _id, ...domain } = current.body;
  return system.callWith(deps, putSecurityDomainRoute, {
    claims: ADMIN,
    params,
    headers: { 'if-match': current.headers.etag! },
    body: { ...domain, offlinePolicy: { ...domain.offlinePolicy, ...change } },
  });
}
