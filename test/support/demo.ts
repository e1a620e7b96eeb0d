/** The demo data, and helpers that put a token into a given emergency access situation. */
import { nextAdminSettings } from '../../shared/domain/regional-state';
import { loadDemoData } from '../../local/demo-data';
import { createCodeVerifier } from '../../shared/use-cases/code-verifier';
import type { UseCaseDependencies } from '../../shared/use-cases/context';
import { startMemorySystem, type UseCaseSystem } from './system';

export { DEMO_DOMAINS as DOMAINS, DEMO_USERS as USERS } from '../../local/demo-data';

export async function seedDemo(system: UseCaseSystem): Promise<void> {
  await loadDemoData(system.deps);
}

const DAY = 86_400_000;

/**
 * What an online login to an offline-capable agent leaves behind (the agent API's job): the user's
 * download record, and an issued code of `generation`, sealed, with its verifier.
 */
export async function giveOfflineCode(
  system: UseCaseSystem,
  user: { userId: string; serial: string },
  code: string,
  options: { generation?: number; expiresAt?: Date; issuedAt?: Date } = {},
): Promise<void> {
  const { store } = system.deps;
  const generation = options.generation ?? 1;
  const issuedAt = options.issuedAt ?? new Date();
  const expiresAt = options.expiresAt ?? new Date(issuedAt.getTime() + 14 * DAY);
  const region = system.deps.regionName;
  const existing = await store.getOfflineAuthentication(user.userId, 'win-agent-1', region);
  await store.saveOfflineAuthentication({
    userId: user.userId,
    agentId: 'win-agent-1',
    region,
    authenticatedAt: issuedAt.toISOString(),
    download: {
      downloadedAt: issuedAt.toISOString(),
      days: 14,
      validUntil: new Date(issuedAt.getTime() + 14 * DAY).toISOString(),
    },
    version: existing?.version ?? 0,
  });
  const current = await store.getIssuedCode(user.serial, generation);
  await store.saveIssuedCode({
    serial: user.serial,
    generation,
    sealedCode: await system.sealer.seal(Buffer.from(code), {
      purpose: 'offline-eat',
      serial: user.serial,
      generation,
    }),
    verifier: await createCodeVerifier(system.deps, user.serial, generation, code, 0),
    issuedAt: issuedAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
    state: 'active',
    usedAt: null,
    codeLength: code.length,
    version: current?.version ?? 0,
  });
}

/** Turns online use of the offline code on, as an administrator of this region would. */
export async function allowOnlineUse(system: UseCaseSystem, serial: string): Promise<void> {
  const { store, regionName } = system.deps;
  const state = (await store.getTokenState(serial))!;
  await store.saveAdminSettings(
    nextAdminSettings(state.items, { onlineUse: true }, { region: regionName, at: new Date(), by: 'test' }),
  );
}

/**
 * A system of a test file (the memory one unless `start` says otherwise) with the demo data loaded, and
 * its dependencies on the test's clock when it has one.
 */
export async function startDemoSystem<S extends UseCaseSystem = UseCaseSystem>(
  options: { clock?: { read: () => Date }; start?: () => Promise<S> } = {},
): Promise<{ system: S; deps: UseCaseDependencies }> {
  const system = await (options.start ?? (startMemorySystem as () => Promise<S>))();
  await seedDemo(system);
  const deps = options.clock === undefined ? system.deps : { ...system.deps, clock: options.clock.read };
  return { system, deps };
}
