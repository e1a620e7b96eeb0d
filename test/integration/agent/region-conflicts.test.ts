/**
 * The five ways a write in one region used to undo a change made a moment earlier in another (one item
 * holding facts of several writers, the later write winning whole). Each runs the handlers in two regions
 * over their own tables, lets region B write last on a view that has not seen A's change, replicates as
 * global tables do (last writer wins per item), and checks that A's change holds in both regions.
 */
import {
  resetEmergencyAccessRoute,
  setOnlineUseRoute,
  viewEmergencyAccessRoute,
} from '../../../functions/api/contract/admin-routes';
import { setPinRoute, setTokenEnabledRoute } from '../../../functions/api/contract/management-routes';
import { loadDemoData } from '../../../local/demo-data';
import { decodeBase32, totp } from '../../../shared/domain/totp';
import type { UseCaseDependencies } from '../../../shared/use-cases/context';
import { sweepExpired } from '../../../shared/use-cases/sweep-expired';
import { USERS } from '../../support/demo';
import { ADMIN, type Claims } from '../../support/events';
import { startTestSystem, type TestSystem } from '../../support/system';
import { createTestTable, type TestTable } from '../../support/table';
import { SimulatedGlobalTable, type Region } from './global-table';
import { agentLogin, nextPasscode, TestClock } from '../../support/agent';

const [alice, bob, , dave] = USERS;
const DAY = 86_400_000;

interface Site {
  deps: UseCaseDependencies;
}

let system: TestSystem;
let replicaTable: TestTable;
let global: SimulatedGlobalTable;
let a: Site;
let b: Site;
const clock = new TestClock();

beforeAll(async () => {
  system = await startTestSystem('region-a');
  replicaTable = await createTestTable();
  const regions: Region[] = [
    { name: 'region-a', table: system.table },
    { name: 'region-b', table: replicaTable },
  ];
  const site = (region: Region): Site => ({
    deps: { ...system.deps, store: region.table.store, clock: clock.read, regionName: region.name },
  });
  [a, b] = regions.map(site) as [Site, Site];
  for (const table of [system.table, replicaTable]) {
    await loadDemoData({ ...system.deps, store: table.store });
  }
  global = await SimulatedGlobalTable.start(regions);
});

afterAll(async () => {
  await global.stop();
  await replicaTable.drop();
  await system.stop();
});

const admin = (site: Site, route: Parameters<TestSystem['callWith']>[1], serial: string, body?: unknown) =>
  system.callWith(site.deps, route, {
    params: { serial },
    claims: ADMIN,
    ...(body === undefined ? {} : { body }),
  });
const login = (site: Site, userId: string, passcode: string, claims?: Claims) =>
  agentLogin(system, site.deps, userId, passcode, claims === undefined ? {} : { claims });
const view = async (site: Site, serial: string) => (await admin(site, viewEmergencyAccessRoute, serial)).body;
const stateIn = async (site: Site, serial: string) => (await site.deps.store.getTokenState(serial))!;

it('1. keeps a token locked in A when B counts one more failure on its stale view', async () => {
  const wrong = `${dave.pin}000000`;
  for (let i = 0; i < 10; i++) expect((await login(a, 'dave', wrong)).body.outcome).toBe('reject');
  expect((await login(a, 'dave', wrong)).body.outcome).toBe('locked');
  expect((await login(b, 'dave', wrong)).body.outcome).toBe('reject');
  await global.replicate();

  for (const site of [a, b]) {
    expect((await stateIn(site, dave.serial)).lockout).toMatchObject({ locked: true, tokencodeFailures: 11 });
    expect((await login(site, 'dave', nextPasscode(clock, dave))).body.outcome).toBe('locked');
  }
});

it('2. refuses in B a tokencode accepted in A, after B wrote its lockout state on a stale view', async () => {
  clock.advanceMinutes(1);
  const tokencode = totp(decodeBase32(bob.seed), clock.now);
  expect((await login(a, 'bob', tokencode)).body.outcome).toBe('accept');
  expect((await login(b, 'bob', '000000')).body.outcome).toBe('reject');
  await global.replicate();

  for (const site of [a, b]) expect((await login(site, 'bob', tokencode)).body.outcome).toBe('reject');
});

it('3. keeps online use off as A turned it, while B saved a reset', async () => {
  // A first code, so that online use and reset are allowed; online use on, everywhere.
  expect((await login(a, 'alice', nextPasscode(clock, alice))).body.outcome).toBe('accept');
  expect((await admin(a, setOnlineUseRoute, alice.serial, { allowed: true })).status).toBe(200);
  await global.replicate();

  expect((await admin(a, setOnlineUseRoute, alice.serial, { allowed: false })).status).toBe(200);
  expect((await admin(b, resetEmergencyAccessRoute, alice.serial)).status).toBe(200);
  await global.replicate();

  for (const site of [a, b]) {
    expect((await view(site, alice.serial)).offline).toMatchObject({
      onlineUseAllowed: false,
      resetPending: true,
    });
  }
});

it('4. keeps a lost token disabled in A while B set its PIN', async () => {
  expect((await admin(a, setTokenEnabledRoute, dave.serial, { enabled: false })).status).toBe(200);
  expect((await admin(b, setPinRoute, dave.serial, { pin: '86420' })).status).toBe(200);
  await global.replicate();

  for (const site of [a, b]) {
    expect((await stateIn(site, dave.serial)).token).toMatchObject({ enabled: false });
    expect((await view(site, dave.serial)).eligibility.reasons).toContain('TOKEN_DISABLED');
  }
});

it('5. keeps the code A just issued when B’s sweep expires the one it replaced', async () => {
  expect((await login(a, 'bob', nextPasscode(clock, bob))).body.outcome).toBe('accept');
  await global.replicate();
  const first = (await view(a, bob.serial)).offline;
  expect(first.state).toBe('active');

  // Past the first code's expiry: a login in A issues the next generation; B's sweep, not having seen
  // it, expires the first.
  clock.advanceMinutes(15 * 24 * 60);
  const reply = await login(a, 'bob', nextPasscode(clock, bob));
  const next = reply.body.offlineData.emergencyAccess;
  expect(next.generation).toBe(first.generation + 1);
  await sweepExpired(b.deps, { now: new Date(clock.now.getTime() + DAY / 24) });
  expect((await stateIn(b, bob.serial)).issued).toMatchObject({
    generation: first.generation,
    state: 'expired',
  });
  await global.replicate();

  for (const site of [a, b]) {
    expect((await view(site, bob.serial)).offline).toMatchObject({
      state: 'active',
      generation: next.generation,
      tokencode: expect.stringMatching(/^[A-Z2-9]+$/),
    });
  }
});
