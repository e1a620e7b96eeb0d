/**
 * A single-use offline emergency code spent offline: the agent library records it in its ledger, reports
 * it at the next online login (`heldOffline.spentOffline`), and the service spends it too, so that the
 * same code is refused online and the agent leaves with the next generation.
 */
import { setOnlineUseRoute, viewEmergencyAccessRoute } from '../../functions/api/contract/admin-routes';
import {
  heldOfflineOf,
  parseOfflineData,
  recordOfflineData,
  recordOfflineUse,
  verifyOfflinePasscode,
  type OfflineData,
  type OfflineLedger,
} from '../../shared/agent';
import type { UseCaseDependencies } from '../../shared/use-cases/context';
import { startDemoSystem, USERS } from '../support/demo';
import { ADMIN } from '../support/events';
import type { UseCaseSystem } from '../support/system';
import { TEST_KDF_COST } from '../support/kdf';
import {
  agentLogin,
  changeOfflinePolicy,
  nextPasscode,
  TestClock,
  WEB_AGENT,
  type LoginOptions,
} from '../support/agent';

const dave = USERS.find((u) => u.userId === 'dave')!;
const REJECT = { outcome: 'reject', method: null, offlineData: null };

let system: UseCaseSystem;
let deps: UseCaseDependencies;
const clock = new TestClock();

beforeAll(async () => {
  ({ system, deps } = await startDemoSystem({ clock }));
  await setSingleUse(true);
});

afterAll(async () => {
  await system.stop();
});

const login = (passcode: string, options?: LoginOptions) =>
  agentLogin(system, deps, 'dave', passcode, options);
const admin = (route: Parameters<UseCaseSystem['call']>[0], body?: unknown) =>
  system.callWith(deps, route, {
    params: { serial: dave.serial },
    claims: ADMIN,
    ...(body === undefined ? {} : { body }),
  });

async function setSingleUse(singleUse: boolean): Promise<void> {
  const saved = await changeOfflinePolicy(system, deps, 'SystemDomain', { singleUse });
  expect(saved.body).toMatchObject({ offlinePolicy: { singleUse } });
}

const issued = async (generation: number) => deps.store.getIssuedCode(dave.serial, generation);
const usedOffline = async () =>
  (await deps.store.listAudit(dave.serial, { limit: 100 })).items.filter(
    (e) => e.action === 'emergency-access.used-offline',
  );

describe('a single-use code spent offline', () => {
  let data1: OfflineData;
  let code1: string;
  let ledger: OfflineLedger;

  it('is spent by the agent library, which remembers it in its ledger and refuses it next time', async () => {
    const reply = await login(nextPasscode(clock, dave));
    expect(reply.body).toMatchObject({
      outcome: 'accept',
      offlineData: { emergencyAccess: { generation: 1, singleUse: true } },
    });
    data1 = parseOfflineData(reply.body, TEST_KDF_COST);
    code1 = (await admin(viewEmergencyAccessRoute)).body.offline.tokencode;
    // Online use is allowed: a code spent offline and not reported would still open an online login.
    expect((await admin(setOnlineUseRoute, { allowed: true })).status).toBe(200);

    const use = await verifyOfflinePasscode(data1, dave.pin + code1, { kdf: TEST_KDF_COST, at: clock.now });
    expect(use).toMatchObject({ outcome: 'accept', method: 'emergency-access', spent: { generation: 1 } });
    ledger = recordOfflineUse(recordOfflineData({}, data1), use);
    expect(
      await verifyOfflinePasscode(data1, dave.pin + code1, { kdf: TEST_KDF_COST, at: clock.now, ...ledger }),
    ).toMatchObject({
      outcome: 'reject',
      reason: 'EMERGENCY_CODE_SPENT',
    });
    expect(heldOfflineOf(data1, ledger)).toEqual({
      generation: 1,
      issueId: data1.emergencyAccess!.issueId,
      spentOffline: true,
    });
  });

  it('changes nothing when reported on a rejected login, or for another generation or issue', async () => {
    const held = heldOfflineOf(data1, ledger)!;
    expect((await login(`${dave.pin}000000`, { heldOffline: held })).body).toEqual(REJECT);
    for (const other of [
      { ...held, generation: 2 },
      { ...held, generation: 0 },
      { ...held, issueId: 'another-issue' },
    ]) {
      const reply = await login(nextPasscode(clock, dave), { heldOffline: other });
      expect(reply.body).toMatchObject({
        outcome: 'accept',
        offlineData: { emergencyAccess: { generation: 1, issueId: held.issueId } },
      });
    }
    expect(await issued(1)).toMatchObject({ state: 'active', usedAt: null });
    expect(await issued(2)).toBeNull();
    expect(await usedOffline()).toEqual([]);
  });

  it('is spent online by the next accepted login that reports it, which delivers the next generation', async () => {
    const reply = await login(nextPasscode(clock, dave), { heldOffline: heldOfflineOf(data1, ledger)! });
    expect(reply.body).toMatchObject({
      outcome: 'accept',
      method: 'tokencode',
      offlineData: { emergencyAccess: { generation: 2 } },
    });
    const data2 = parseOfflineData(reply.body, TEST_KDF_COST);
    expect(data2.emergencyAccess!.issueId).not.toBe(data1.emergencyAccess!.issueId);

    expect((await issued(1))!.usedAt).not.toBeNull();
    const page = await admin(viewEmergencyAccessRoute);
    expect(page.body.offline).toMatchObject({ generation: 2, state: 'active' });
    const code2 = page.body.offline.tokencode;
    expect(code2).not.toBe(code1);

    const events = (await deps.store.listAudit(dave.serial, { limit: 100 })).items;
    const spent = await usedOffline();
    expect(spent).toHaveLength(1);
    expect(spent[0]).toMatchObject({
      actor: 'win-agent-1',
      outcome: 'success',
      details: { generation: 1, agentId: 'win-agent-1' },
    });
    expect(events.find((e) => e.action === 'emergency-access.issued')).toMatchObject({
      details: { generation: 2, reason: 'spent' },
    });
    expect(JSON.stringify(events)).not.toContain(code1);

    // The code spent offline is refused online (online use is allowed) and by the new data.
    expect((await login(dave.pin + code1)).body).toEqual(REJECT);
    expect(
      await verifyOfflinePasscode(data2, dave.pin + code1, { kdf: TEST_KDF_COST, at: clock.now }),
    ).toMatchObject({
      outcome: 'reject',
    });
    expect(
      await verifyOfflinePasscode(data2, dave.pin + code2, { kdf: TEST_KDF_COST, at: clock.now }),
    ).toMatchObject({
      outcome: 'accept',
      method: 'emergency-access',
    });

    // The same report again (a stale ledger) spends nothing more.
    const again = await login(nextPasscode(clock, dave), { heldOffline: heldOfflineOf(data1, ledger)! });
    expect(again.body).toMatchObject({ offlineData: { emergencyAccess: { generation: 2 } } });
    expect(await issued(2)).toMatchObject({ state: 'active', usedAt: null });
    expect(await usedOffline()).toHaveLength(1);
  });

  it('changes nothing under a reusable-code policy', async () => {
    await setSingleUse(false);
    const current = (await issued(2))!;
    const reply = await login(nextPasscode(clock, dave), {
      heldOffline: { generation: 2, issueId: current.issueId!, spentOffline: true },
    });
    expect(reply.body).toMatchObject({
      outcome: 'accept',
      offlineData: { emergencyAccess: { generation: 2 } },
    });
    expect(await issued(2)).toMatchObject({ state: 'active', usedAt: null });
    expect(await usedOffline()).toHaveLength(1);
  });

  it('answers 400 to a spentOffline that is not a boolean', async () => {
    const reply = await login(nextPasscode(clock, dave), {
      heldOffline: { generation: 2, spentOffline: 'yes' as unknown as boolean },
    });
    expect(reply.status).toBe(400);
  });

  it('shows a spent code as spent, and no longer shows the code, until the next is issued', async () => {
    await setSingleUse(true);
    const code2 = (await admin(viewEmergencyAccessRoute)).body.offline.tokencode as string;
    // Spent online through an agent without offline support: nothing replaces it yet.
    const spent = await login(dave.pin + code2, { claims: WEB_AGENT });
    expect(spent.body).toMatchObject({ outcome: 'accept', method: 'emergency-access' });
    const page = await admin(viewEmergencyAccessRoute);
    expect(page.body.offline).toMatchObject({ generation: 2, state: 'active', tokencode: null });
    expect(page.body.offline.usedAt).toBe((await issued(2))!.usedAt);
    expect(page.body.offline.usedAt).not.toBeNull();
  });
});
