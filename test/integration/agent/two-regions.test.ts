import {
  resetEmergencyAccessRoute,
  setOnlineUseRoute,
  viewEmergencyAccessRoute,
} from '../../../functions/api/contract/admin-routes';
import { loadDemoData } from '../../../local/demo-data';
import { decodeBase32, totp } from '../../../shared/domain/totp';
import type { UseCaseDependencies } from '../../../shared/use-cases/context';
import { USERS } from '../../support/demo';
import { ADMIN, type Claims } from '../../support/events';
import { startTestSystem, type TestSystem } from '../../support/system';
import { createTestTable, type TestTable } from '../../support/table';
import { SimulatedGlobalTable, type Region } from './global-table';
import { agentLogin, nextPasscode, offlineCheck, TestClock, type LoginOptions } from '../../support/agent';

const [alice] = USERS;
const AGENT_1: Claims = { sub: 'win-agent-1', client_id: 'win-agent-1', scope: 'eat/agent' };
const AGENT_2: Claims = { sub: 'win-agent-2', client_id: 'win-agent-2', scope: 'eat/agent' };

interface Site {
  region: Region;
  deps: UseCaseDependencies;
  agent: Claims;
}

let system: TestSystem;
let replicaTable: TestTable;
let global: SimulatedGlobalTable;
let primary: Site;
let replica: Site;
const clock = new TestClock();

beforeAll(async () => {
  system = await startTestSystem('test-primary');
  replicaTable = await createTestTable();
  const regions: Region[] = [
    { name: 'test-primary', table: system.table },
    { name: 'test-replica', table: replicaTable },
  ];
  // Both regions open what the other sealed, as with a KMS multi-region key.
  const site = (region: Region, agent: Claims): Site => ({
    region,
    agent,
    deps: { ...system.deps, store: region.table.store, clock: clock.read, regionName: region.name },
  });
  primary = site(regions[0]!, AGENT_1);
  replica = site(regions[1]!, AGENT_2);
  for (const table of [system.table, replicaTable]) {
    await loadDemoData({ ...system.deps, store: table.store });
    await table.store.saveAgent({
      agentId: 'win-agent-2',
      name: 'Second Windows agent',
      supportsOfflineAuthentication: true,
      version: 0,
    });
  }
  global = await SimulatedGlobalTable.start(regions);
});

afterAll(async () => {
  await global.stop();
  await replicaTable.drop();
  await system.stop();
});

const login = (site: Site, passcode: string, options: LoginOptions = {}) =>
  agentLogin(system, site.deps, 'alice', passcode, { claims: site.agent, ...options });
const view = async (site: Site) =>
  (
    await system.callWith(site.deps, viewEmergencyAccessRoute, {
      params: { serial: alice.serial },
      claims: ADMIN,
    })
  ).body;
const issuedEvents = async (site: Site) =>
  (await site.region.table.store.listAudit(alice.serial, { limit: 100 })).items.filter(
    (e) => e.action === 'emergency-access.issued',
  );

it('converges on one code when two regions issue a new one at once, and hands the winner to the loser’s agent', async () => {
  // Generation 1, issued in the primary and replicated; online use on; a reset asked in the primary.
  expect((await login(primary, nextPasscode(clock, alice))).body.offlineData.emergencyAccess.generation).toBe(
    1,
  );
  await system.callWith(primary.deps, setOnlineUseRoute, {
    params: { serial: alice.serial },
    body: { allowed: true },
    claims: ADMIN,
  });
  await system.callWith(primary.deps, resetEmergencyAccessRoute, {
    params: { serial: alice.serial },
    claims: ADMIN,
  });
  await global.replicate();
  expect((await view(replica)).offline).toMatchObject({ generation: 1, resetPending: true });

  // The user's two devices log in at the same moment, one through each region: both issue generation 2.
  clock.advanceMinutes(2);
  const seed = decodeBase32(alice.seed);
  const [inPrimary, inReplica] = await Promise.all([
    login(primary, alice.pin + totp(seed, clock.now)),
    login(replica, alice.pin + totp(seed, new Date(clock.now.getTime() - 60_000))),
  ]);
  const delivered = new Map<Site, { issueId: string; generation: number }>([
    [primary, inPrimary.body.offlineData.emergencyAccess],
    [replica, inReplica.body.offlineData.emergencyAccess],
  ]);
  expect([...delivered.values()].map((e) => e.generation)).toEqual([2, 2]);
  expect(delivered.get(primary)!.issueId).not.toBe(delivered.get(replica)!.issueId);
  const codeOf = new Map<Site, string>();
  for (const site of [primary, replica]) codeOf.set(site, (await view(site)).offline.tokencode);
  expect(codeOf.get(primary)).not.toBe(codeOf.get(replica));

  await global.replicate();

  // One item, one code, everywhere; the reset is done in both regions without writing the settings.
  const [issuedPrimary, issuedReplica] = await Promise.all(
    [primary, replica].map(async (s) => (await s.region.table.store.getTokenState(alice.serial))!.issued),
  );
  expect(issuedReplica).toEqual(issuedPrimary);
  const winner = [primary, replica].find((s) => delivered.get(s)!.issueId === issuedPrimary!.issueId)!;
  const loser = winner === primary ? replica : primary;
  const winnerCode = codeOf.get(winner)!;
  const loserCode = codeOf.get(loser)!;
  for (const site of [primary, replica]) {
    expect((await view(site)).offline).toMatchObject({
      generation: 2,
      resetPending: false,
      tokencode: winnerCode,
    });
  }

  // The losing agent's data still takes its code offline, but no region takes it online.
  const loserData = (loser === primary ? inPrimary : inReplica).body.offlineData;
  expect(await offlineCheck(loserData, alice.pin + loserCode, clock.now)).toMatchObject({
    outcome: 'accept',
  });
  for (const site of [primary, replica]) {
    expect((await login({ ...site, agent: loser.agent }, alice.pin + loserCode)).body.outcome).toBe('reject');
  }

  // At its next online login, the losing agent gets the winner, and no third code is issued.
  const issuedBefore = (await issuedEvents(loser)).length;
  const held = delivered.get(loser)!;
  const next = await login(loser, nextPasscode(clock, alice), {
    heldOffline: { generation: held.generation, issueId: held.issueId },
  });
  expect(next.status).toBe(200);
  expect(next.body.offlineData.emergencyAccess).toMatchObject({
    generation: 2,
    issueId: issuedPrimary!.issueId,
  });
  expect((await issuedEvents(loser)).length).toBe(issuedBefore);
  const [audited] = (await loser.region.table.store.listAudit(alice.serial, { limit: 1 })).items;
  expect(audited).toMatchObject({ action: 'offline-data.downloaded', details: { heldReplaced: true } });
  expect(await offlineCheck(next.body.offlineData, alice.pin + winnerCode, clock.now)).toMatchObject({
    outcome: 'accept',
    method: 'emergency-access',
  });
  expect(await offlineCheck(next.body.offlineData, alice.pin + loserCode, clock.now)).toMatchObject({
    outcome: 'reject',
  });
  for (const site of [primary, replica]) {
    expect((await login(site, alice.pin + winnerCode)).body).toMatchObject({
      outcome: 'accept',
      method: 'emergency-access',
    });
  }
});
