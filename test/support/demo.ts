/** The demo data of API.md, and helpers that put a token into a given emergency access situation. */
import type { OfflinePolicy } from '../../shared/domain/model';
import { DEFAULT_OFFLINE_POLICY } from '../../shared/domain/policy';
import { decodeBase32 } from '../../shared/domain/totp';
import { createVerifier } from '../../shared/domain/verifier';
import type { TestSystem } from './system';

export const DOMAINS: Record<string, OfflinePolicy> = {
  SystemDomain: DEFAULT_OFFLINE_POLICY,
  Sales: { ...DEFAULT_OFFLINE_POLICY, emergencyCodeDownloadPermitted: false },
  Contractors: {
    ...DEFAULT_OFFLINE_POLICY,
    offlineAuthenticationEnabled: false,
    emergencyCodeDownloadPermitted: false,
  },
};

export const USERS = [
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
] as const;

export async function seedDemo(system: TestSystem): Promise<void> {
  const { store } = system.deps;
  for (const [id, offlinePolicy] of Object.entries(DOMAINS)) {
    await store.saveSecurityDomain({ id, name: id, offlinePolicy, version: 0 });
  }
  await store.saveAgent({
    agentId: 'win-agent-1',
    name: 'Windows agent',
    supportsOfflineAuthentication: true,
    version: 0,
  });
  await store.saveAgent({
    agentId: 'web-agent',
    name: 'Web agent',
    supportsOfflineAuthentication: false,
    version: 0,
  });
  for (const u of USERS) {
    const { userId, firstName, lastName, securityDomain } = u;
    await store.saveUser({ userId, firstName, lastName, securityDomain, version: 0 });
    await store.saveToken({
      serial: u.serial,
      kind: u.kind,
      enabled: true,
      user: { userId, firstName, lastName },
      securityDomain,
      digits: 6,
      sealedSeed: await system.sealer.seal(decodeBase32(u.seed), {
        purpose: 'totp-seed',
        serial: u.serial,
        generation: 0,
      }),
      pinVerifier: u.pin === null ? null : await createVerifier(u.pin),
      lastOnlineAuthenticationAt: null,
      version: 0,
    });
  }
}

const DAY = 86_400_000;

/**
 * What an online login to an offline-capable agent leaves behind (the agent API's job): the user's
 * download record, and an issued code of `generation`, sealed, with its verifier.
 */
export async function giveOfflineCode(
  system: TestSystem,
  user: { userId: string; serial: string },
  code: string,
  options: { generation?: number; expiresAt?: Date; issuedAt?: Date } = {},
): Promise<void> {
  const { store } = system.deps;
  const generation = options.generation ?? 1;
  const issuedAt = options.issuedAt ?? new Date();
  const expiresAt = options.expiresAt ?? new Date(issuedAt.getTime() + 14 * DAY);
  const existing = (await store.listOfflineAuthentications(user.userId)).find(
    (r) => r.agentId === 'win-agent-1',
  );
  await store.saveOfflineAuthentication({
    userId: user.userId,
    agentId: 'win-agent-1',
    authenticatedAt: issuedAt.toISOString(),
    download: {
      downloadedAt: issuedAt.toISOString(),
      days: 14,
      validUntil: new Date(issuedAt.getTime() + 14 * DAY).toISOString(),
    },
    version: existing?.version ?? 0,
  });
  const current = await store.getIssuedCode(user.serial);
  await store.saveIssuedCode({
    serial: user.serial,
    generation,
    sealedCode: await system.sealer.seal(Buffer.from(code), {
      purpose: 'offline-eat',
      serial: user.serial,
      generation,
    }),
    verifier: await createVerifier(code),
    issuedAt: issuedAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
    state: 'active',
    usedAt: null,
    version: current?.version ?? 0,
  });
}
