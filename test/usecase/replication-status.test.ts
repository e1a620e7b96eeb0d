/**
 * The regions' view of a change (issue 17) over two in-memory regions: a save in one region is pending in
 * the other until that region's copy of the written item reaches the saved version.
 */
import { setOnlineUseRoute } from '../../functions/api/contract/admin-routes';
import { setTokenEnabledRoute } from '../../functions/api/contract/management-routes';
import { replicationStatus, replicationStatusRoute } from '../../functions/api/contract/replication-routes';
import { StoreReplicaReader } from '../../shared/adapters/store-replica-reader';
import { MemoryTokenStore } from '../../shared/adapters/memory/memory-token-store';
import { DependencyUnavailableError } from '../../shared/domain/errors';
import type { TokenStore } from '../../shared/ports/token-store';
import type { UseCaseDependencies } from '../../shared/use-cases/context';
import { giveOfflineCode, startDemoSystem, USERS } from '../support/demo';
import { JANE, SALES_ADMIN } from '../support/events';
import type { UseCaseSystem } from '../support/system';

const [alice, , carol] = USERS;
const HERE = 'test-primary';
const THERE = 'test-replica';
const CODE = 'K7QM2XHP';

let system: UseCaseSystem;
let there: MemoryTokenStore;
let deps: UseCaseDependencies;

/** What a global table does for the items `HERE` writes alone: the other region's copy catches up. */
async function replicate(serial: string): Promise<void> {
  const source = (await system.deps.store.getTokenState(serial))!.items;
  const target = (await there.getTokenState(serial))!.items;
  for (const admin of source.admin) {
    let version = target.admin.find((a) => a.region === admin.region)?.version ?? 0;
    while (version < admin.version) version = (await there.saveAdminSettings({ ...admin, version })).version;
  }
  for (const counters of source.counters) {
    let version = target.counters.find((c) => c.region === counters.region)?.version ?? 0;
    while (version < counters.version) {
      version = (await there.saveRegionalCounters({ ...counters, version })).version;
    }
  }
}

const status = async (serial: string, claims = JANE, custom = deps) => {
  const reply = await system.callWith(custom, replicationStatusRoute, { params: { serial }, claims });
  if (reply.status === 200) expect(replicationStatus.parse(reply.body)).toEqual(reply.body);
  return reply;
};
const stateOf = (body: { regions: { region: string; state: string }[] }) =>
  Object.fromEntries(body.regions.map((r) => [r.region, r.state]));

beforeAll(async () => {
  ({ system } = await startDemoSystem());
  await giveOfflineCode(system, alice, CODE);
  there = new MemoryTokenStore();
  // The other region starts as a copy of this one's tokens (a new replica of a table that has data).
  for (const user of [alice, carol]) {
    const token = (await system.deps.store.getTokenState(user.serial))!.token;
    await there.saveToken({ ...token, version: 0 });
    await replicate(user.serial);
  }
  deps = {
    ...system.deps,
    replicas: new StoreReplicaReader(
      new Map<string, TokenStore>([
        [HERE, system.deps.store],
        [THERE, there],
      ]),
    ),
  };
});

afterAll(async () => {
  await system.stop();
});

describe("the regions' view of a change", () => {
  it('shows a save as pending in the other region until its copy has the saved version, then replicated', async () => {
    const before = await status(alice.serial);
    expect(before.status).toBe(200);
    expect(stateOf(before.body)).toEqual({ [HERE]: 'origin', [THERE]: 'replicated' });

    const saved = await system.callWith(deps, setOnlineUseRoute, {
      params: { serial: alice.serial },
      body: { allowed: true },
      claims: JANE,
    });
    expect(saved.status).toBe(200);
    const pending = await status(alice.serial);
    expect(pending.body).toMatchObject({
      serial: alice.serial,
      writtenIn: HERE,
      replicatedEverywhere: false,
      written: expect.arrayContaining([
        { item: 'administrators-settings', version: 1, changedAt: expect.any(String) },
      ]),
    });
    expect(stateOf(pending.body)).toEqual({ [HERE]: 'origin', [THERE]: 'pending' });
    const replica = pending.body.regions.find((r: { region: string }) => r.region === THERE);
    expect(replica.items).toContainEqual({ item: 'administrators-settings', version: 0 });
    // The time of the save, as the settings item says it, no later than the check.
    expect(pending.body.changedAt <= pending.body.checkedAt).toBe(true);
    expect(Date.parse(pending.body.checkedAt) - Date.parse(pending.body.changedAt)).toBeLessThan(60_000);

    await replicate(alice.serial);
    const after = await status(alice.serial);
    expect(stateOf(after.body)).toEqual({ [HERE]: 'origin', [THERE]: 'replicated' });
    expect(after.body.replicatedEverywhere).toBe(true);
    expect(after.body.changedAt).toBe(pending.body.changedAt);
  });

  it('follows each later save: disabling the token is pending again at the next version', async () => {
    const saved = await system.callWith(deps, setTokenEnabledRoute, {
      params: { serial: alice.serial },
      body: { enabled: false },
      claims: JANE,
    });
    expect(saved.status).toBe(200);
    const reply = await status(alice.serial);
    expect(stateOf(reply.body)[THERE]).toBe('pending');
    const settings = reply.body.written.find((w: { item: string }) => w.item === 'administrators-settings');
    expect(settings.version).toBe(2);
    await replicate(alice.serial);
    expect(stateOf((await status(alice.serial)).body)[THERE]).toBe('replicated');
  });

  it("follows this region's lockout item too (an unlock, or an agent's failures)", async () => {
    const state = (await system.deps.store.getTokenState(carol.serial))!;
    await system.deps.store.saveRegionalCounters({
      serial: carol.serial,
      region: HERE,
      failures: { tokencode: 1, emergencyAccess: 0 },
      acks: {},
      lockedAt: null,
      lockEpoch: 0,
      unlockEpoch: 0,
      lastAcceptedStep: null,
      lastAuthenticatedAt: null,
      version: state.items.counters.find((c) => c.region === HERE)?.version ?? 0,
    });
    const reply = await status(carol.serial);
    expect(stateOf(reply.body)[THERE]).toBe('pending');
    expect(reply.body.written).toContainEqual({ item: 'lockout', version: 1, changedAt: null });
    await replicate(carol.serial);
    expect(stateOf((await status(carol.serial)).body)[THERE]).toBe('replicated');
  });

  it('shows a region whose table does not answer as unreachable, and the page still answers', async () => {
    const down: TokenStore = Object.assign(Object.create(there) as TokenStore, {
      getTokenState: () => Promise.reject(new DependencyUnavailableError('DynamoDB')),
    });
    const custom = {
      ...deps,
      replicas: new StoreReplicaReader(
        new Map<string, TokenStore>([
          [HERE, system.deps.store],
          [THERE, down],
        ]),
      ),
    };
    const reply = await status(alice.serial, JANE, custom);
    expect(reply.status).toBe(200);
    expect(reply.body.regions).toContainEqual({ region: THERE, state: 'unreachable', items: null });
    expect(reply.body.replicatedEverywhere).toBe(false);
  });

  it("answers 404 outside the administrator's domains, as for a token that does not exist", async () => {
    const foreign = await status(alice.serial, SALES_ADMIN);
    const missing = await status('NOSUCHTOKEN1');
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    const withoutId = (body: { error: Record<string, unknown> }) => ({
      ...body.error,
      requestId: undefined,
    });
    expect(withoutId(foreign.body)).toEqual(withoutId(missing.body));
  });

  it('puts no code, PIN, seed or verifier in its reply', async () => {
    const reply = await status(alice.serial);
    expect(reply.raw).not.toContain(CODE);
    expect(reply.raw).not.toMatch(/sealed|verifier|seed|pin/i);
    expect(Object.keys(reply.body).sort()).toEqual(
      ['changedAt', 'checkedAt', 'regions', 'replicatedEverywhere', 'serial', 'writtenIn', 'written'].sort(),
    );
  });

  it('shows this region alone when the function is given no reader of the regions', async () => {
    const reply = await status(alice.serial, JANE, system.deps);
    expect(reply.status).toBe(200);
    expect(stateOf(reply.body)).toEqual({ [HERE]: 'origin' });
    expect(reply.body.replicatedEverywhere).toBe(true);
  });
});
