/**
 * The demo data: three security domains, five users with their tokens, two agents. Loaded by
 * `npm start` on first start, and by the tests.
 */
import type { OfflinePolicy, PinPolicy, TokenKind } from '../shared/domain/model';
import { DEFAULT_OFFLINE_POLICY } from '../shared/domain/policy';
import { decodeBase32, PRODUCT_TOTP } from '../shared/domain/totp';
import { createPinVerifier } from '../shared/use-cases/code-verifier';
import type { UseCaseDependencies } from '../shared/use-cases/context';

/** The demo users' 4-digit PINs, kept by an explicit policy below NIST's six-digit default. */
export const DEMO_PIN_POLICY: PinPolicy = { minLength: 4, maxLength: 8, characters: 'digits' };

/** The demo walkthrough reuses a code (view it, then use it online and offline): reusable by explicit policy. */
const DEMO_OFFLINE_POLICY: OfflinePolicy = { ...DEFAULT_OFFLINE_POLICY, singleUse: false };

export const DEMO_DOMAINS: Record<string, OfflinePolicy> = {
  SystemDomain: DEMO_OFFLINE_POLICY,
  Sales: { ...DEMO_OFFLINE_POLICY, emergencyCodeDownloadPermitted: false },
  Contractors: {
    ...DEMO_OFFLINE_POLICY,
    offlineAuthenticationEnabled: false,
    emergencyCodeDownloadPermitted: false,
  },
};

export interface DemoUser {
  userId: string;
  firstName: string;
  lastName: string;
  securityDomain: string;
  serial: string;
  kind: TokenKind;
  pin: string | null;
  /** Base32, SHA-1, 6 digits, 60 s. */
  seed: string;
}

export const DEMO_USERS = [
  {
    userId: 'alice',
    firstName: 'Alice',
    lastName: 'Archer',
    securityDomain: 'SystemDomain',
    serial: '000100000001',
    kind: 'securid',
    pin: '2468',
    seed: 'JBSWY3DPEHPK3PXP',
  },
  {
    userId: 'bob',
    firstName: 'Bob',
    lastName: 'Baker',
    securityDomain: 'SystemDomain',
    serial: '000100000002',
    kind: 'authenticate',
    pin: null,
    seed: 'KRSXG5CTMVRXEZLU',
  },
  {
    userId: 'carol',
    firstName: 'Carol',
    lastName: 'Chen',
    securityDomain: 'Contractors',
    serial: '000100000003',
    kind: 'securid',
    pin: '1357',
    seed: 'GEZDGNBVGY3TQOJQ',
  },
  {
    userId: 'dave',
    firstName: 'Dave',
    lastName: 'Diaz',
    securityDomain: 'SystemDomain',
    serial: '000100000004',
    kind: 'securid',
    pin: '9753',
    seed: 'MFRGGZDFMZTWQ2LK',
  },
  {
    userId: 'erin',
    firstName: 'Erin',
    lastName: 'Evans',
    securityDomain: 'Sales',
    serial: '000100000005',
    kind: 'securid',
    pin: '1111',
    seed: 'ONSWG4TFOQYTEMZU',
  },
] as const satisfies readonly DemoUser[];

export const DEMO_AGENTS = [
  { agentId: 'win-agent-1', name: 'Windows login agent', supportsOfflineAuthentication: true },
  { agentId: 'web-agent', name: 'Web agent', supportsOfflineAuthentication: false },
] as const;

/**
 * Writes the demo data into an empty table; `progress` hears of each step. The PINs are set as the API
 * sets one (peppered, bound to the serial), so a demo user costs a login what any user does.
 */
export async function loadDemoData(
  deps: Pick<UseCaseDependencies, 'store' | 'sealer' | 'pepper'>,
  progress: (step: string) => void = () => undefined,
): Promise<void> {
  const { store, sealer } = deps;
  for (const [id, offlinePolicy] of Object.entries(DEMO_DOMAINS)) {
    await store.saveSecurityDomain({ id, name: id, offlinePolicy, pinPolicy: DEMO_PIN_POLICY, version: 0 });
  }
  progress(`${Object.keys(DEMO_DOMAINS).length} security domains`);
  for (const agent of DEMO_AGENTS) await store.saveAgent({ ...agent, version: 0 });
  progress(`${DEMO_AGENTS.length} agents`);
  for (const user of DEMO_USERS) {
    const { userId, firstName, lastName, securityDomain, serial } = user;
    await store.saveUser({ userId, firstName, lastName, securityDomain, version: 0 });
    const seed = decodeBase32(user.seed);
    await store.saveToken({
      serial,
      kind: user.kind,
      enabled: true,
      user: { userId, firstName, lastName },
      securityDomain,
      digits: 6,
      sealedSeed: await sealer.seal(seed, { purpose: 'totp-seed', serial, generation: 0 }),
      pinVerifier: user.pin === null ? null : await createPinVerifier(deps, serial, user.pin),
      lastOnlineAuthenticationAt: null,
      version: 0,
    });
    seed.fill(0);
    progress(`user ${userId} with token ${serial}`);
  }
}

/** The demo user named by user id (case-insensitive) or token serial, or undefined. */
export function findDemoUser(name: string): DemoUser | undefined {
  const wanted = name.toLowerCase();
  return DEMO_USERS.find((u) => u.userId === wanted || u.serial === name);
}

/**
 * A key URI an authenticator app can scan for a demo user's token: SHA-1, 6 digits and 60-second steps,
 * as the product's tokens are (an app's default of 30 s would give codes the service refuses).
 */
export function otpauthUriOf(user: DemoUser): string {
  const issuer = 'EAT local';
  const label = encodeURIComponent(`${issuer}:${user.userId}`);
  const query = new URLSearchParams({
    secret: user.seed,
    issuer,
    algorithm: 'SHA1',
    digits: String(PRODUCT_TOTP.digits),
    period: String(PRODUCT_TOTP.stepSeconds),
  });
  return `otpauth://totp/${label}?${query.toString().replace(/\+/g, '%20')}`;
}
