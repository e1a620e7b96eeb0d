/**
 * Reassigning a token invalidates what its previous user downloaded and was issued: the attacks are the
 * previous user's, with the offline data and the emergency code they legitimately held.
 */
import { setOnlineUseRoute, viewEmergencyAccessRoute } from '../../functions/api/contract/admin-routes';
import {
  assignTokenRoute,
  importTokenRoute,
  putUserRoute,
  setPinRoute,
  unassignTokenRoute,
} from '../../functions/api/contract/management-routes';
import {
  parseOfflineData,
  recordOfflineData,
  verifyOfflinePasscode,
  type OfflineData,
  type OfflineLedger,
} from '../../shared/agent';
import type { UseCaseDependencies } from '../../shared/use-cases/context';
import { startDemoSystem } from '../support/demo';
import { ADMIN } from '../support/events';
import type { UseCaseSystem } from '../support/system';
import { TEST_KDF_COST } from '../support/kdf';
import { agentLogin, nextTokencode, TestClock, WEB_AGENT, type Person } from '../support/agent';

let system: UseCaseSystem;
let deps: UseCaseDependencies;
const clock = new TestClock();

beforeAll(async () => {
  ({ system, deps } = await startDemoSystem({ clock }));
  for (const [userId, firstName] of [
    ['xena', 'Xena'],
    ['yuri', 'Yuri'],
  ] as const) {
    const reply = await call(
      putUserRoute,
      { userId },
      { firstName, lastName: 'Test', securityDomain: 'SystemDomain' },
    );
    expect(reply.status).toBeLessThan(300);
  }
  // Yuri has used an offline agent before (with a token since returned): he is eligible for online use
  // of an offline code from the moment a token is his, before any download of it.
  await deps.store.saveOfflineAuthentication({
    userId: 'yuri',
    agentId: 'win-agent-1',
    region: deps.regionName,
    authenticatedAt: clock.now.toISOString(),
    download: {
      downloadedAt: clock.now.toISOString(),
      days: 14,
      validUntil: new Date(clock.now.getTime() + 14 * 86_400_000).toISOString(),
    },
    version: 0,
  });
});

afterAll(async () => {
  await system.stop();
});

function call(route: Parameters<UseCaseSystem['call']>[0], params: Record<string, string>, body?: unknown) {
  return system.callWith(deps, route, { params, claims: ADMIN, ...(body === undefined ? {} : { body }) });
}

const REJECT = { outcome: 'reject', method: null, offlineData: null };

async function importAndAssign(
  serial: string,
  kind: 'securid' | 'authenticate',
  seed: string,
  userId: string,
) {
  const imported = await call(
    importTokenRoute,
    {},
    { serial, kind, seed, digits: 6, securityDomain: 'SystemDomain' },
  );
  expect(imported.status).toBe(201);
  expect((await call(assignTokenRoute, { serial }, { userId })).status).toBe(200);
}

async function reassign(serial: string, to: string) {
  const unassigned = await call(unassignTokenRoute, { serial });
  expect(unassigned.status).toBe(200);
  expect((await call(assignTokenRoute, { serial }, { userId: to })).status).toBe(200);
}

async function viewCode(serial: string): Promise<string> {
  return (await call(viewEmergencyAccessRoute, { serial })).body.offline.tokencode as string;
}

/** An agent that records each download in its ledger, as the agent library asks. */
class Agent {
  ledger: OfflineLedger = {};
  download(json: unknown): OfflineData {
    const data = parseOfflineData(json, TEST_KDF_COST);
    this.ledger = recordOfflineData(this.ledger, data);
    return data;
  }
  check(data: OfflineData, passcode: string) {
    return verifyOfflinePasscode(data, passcode, { kdf: TEST_KDF_COST, at: clock.now, ...this.ledger });
  }
}

describe('an Authenticate token reassigned from xena to yuri', () => {
  const SERIAL = 'RSG0000001';
  const token: Person = { userId: 'xena', seed: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', pin: null };
  const agent = new Agent();
  let oldData: OfflineData;
  let oldCode: string;

  it('gives xena offline data of assignment epoch 0 and a code that works offline', async () => {
    await importAndAssign(SERIAL, 'authenticate', token.seed, 'xena');
    const reply = await agentLogin(system, deps, 'xena', nextTokencode(clock, token));
    expect(reply.body).toMatchObject({ outcome: 'accept', offlineData: { assignmentEpoch: 0 } });
    oldData = agent.download(reply.body.offlineData);
    oldCode = await viewCode(SERIAL);
    expect(await agent.check(oldData, oldCode)).toMatchObject({
      outcome: 'accept',
      method: 'emergency-access',
    });
  });

  it('audits the unassignment as invalidating the downloads, with the new epoch', async () => {
    await reassign(SERIAL, 'yuri');
    const events = (await deps.store.listAudit(SERIAL, { limit: 10 })).items;
    expect(events.find((e) => e.details.change === 'unassign')).toMatchObject({
      action: 'token.manage',
      outcome: 'success',
      details: { userId: 'xena', offlineDataInvalidated: true, assignmentEpoch: 1 },
    });
    expect(events.find((e) => e.details.change === 'revoke-access')).toMatchObject({
      details: { userId: 'xena', resetRequested: true },
    });
    expect(events.find((e) => e.details.change === 'assign')).toMatchObject({
      details: { userId: 'yuri', assignmentEpoch: 1 },
    });
  });

  it("refuses xena's code online as yuri, even with online use allowed and before yuri's first download", async () => {
    expect((await call(setOnlineUseRoute, { serial: SERIAL }, { allowed: true })).status).toBe(200);
    // The code is still the issued one (the reset waits for a login to an offline agent)...
    expect(await viewCode(SERIAL)).toBe(oldCode);
    // ...but it was issued for the previous assignment: no match, online, through either kind of agent.
    expect((await agentLogin(system, deps, 'yuri', oldCode, { claims: WEB_AGENT })).body).toEqual(REJECT);
    expect((await agentLogin(system, deps, 'yuri', oldCode)).body).toEqual(REJECT);
  });

  it("gives yuri a new code in epoch 1; the agent then refuses xena's file, and a rewritten epoch matches nothing", async () => {
    const reply = await agentLogin(system, deps, 'yuri', nextTokencode(clock, token));
    expect(reply.body).toMatchObject({
      outcome: 'accept',
      offlineData: { userId: 'yuri', assignmentEpoch: 1, emergencyAccess: { generation: 2 } },
    });
    const newData = agent.download(reply.body.offlineData);
    const newCode = await viewCode(SERIAL);
    expect(newCode).not.toBe(oldCode);
    expect(await agent.check(newData, newCode)).toMatchObject({ outcome: 'accept' });
    expect((await agentLogin(system, deps, 'yuri', newCode, { claims: WEB_AGENT })).body).toMatchObject({
      outcome: 'accept',
      method: 'emergency-access',
    });

    expect(await agent.check(oldData, oldCode)).toEqual({
      outcome: 'reject',
      method: null,
      reason: 'DATA_SUPERSEDED',
    });
    // Rewriting the old file's epoch to get past the ledger breaks its verifier.
    const rewritten = { ...oldData, assignmentEpoch: 1 };
    expect(await agent.check(rewritten, oldCode)).toMatchObject({ outcome: 'reject', reason: 'NO_MATCH' });
  });
});

describe('a SecurID token reassigned with the same PIN', () => {
  const SERIAL = 'RSG0000002';
  const PIN = '864209';
  const token: Person = { userId: 'xena', seed: 'MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK', pin: PIN };
  const agent = new Agent();

  it("refuses xena's file on an agent that has had yuri's, though yuri's passcodes would fit it", async () => {
    await importAndAssign(SERIAL, 'securid', token.seed, 'xena');
    expect((await call(setPinRoute, { serial: SERIAL }, { pin: PIN })).status).toBe(200);
    const first = await agentLogin(system, deps, 'xena', PIN + nextTokencode(clock, token));
    expect(first.body).toMatchObject({ outcome: 'accept', offlineData: { assignmentEpoch: 0 } });
    const oldData = agent.download(first.body.offlineData);
    const oldCode = await viewCode(SERIAL);

    await reassign(SERIAL, 'yuri');
    expect((await call(setPinRoute, { serial: SERIAL }, { pin: PIN })).status).toBe(200);
    expect((await call(setOnlineUseRoute, { serial: SERIAL }, { allowed: true })).status).toBe(200);
    expect((await agentLogin(system, deps, 'yuri', PIN + oldCode, { claims: WEB_AGENT })).body).toEqual(
      REJECT,
    );

    const second = await agentLogin(system, deps, 'yuri', PIN + nextTokencode(clock, token));
    expect(second.body).toMatchObject({ outcome: 'accept', offlineData: { assignmentEpoch: 1 } });
    const newData = agent.download(second.body.offlineData);

    const passcode = PIN + nextTokencode(clock, token);
    expect(await agent.check(newData, passcode)).toMatchObject({ outcome: 'accept', method: 'tokencode' });
    expect(await agent.check(oldData, passcode)).toMatchObject({
      outcome: 'reject',
      reason: 'DATA_SUPERSEDED',
    });
    expect(await agent.check(oldData, PIN + oldCode)).toMatchObject({ reason: 'DATA_SUPERSEDED' });
    // An agent that never had yuri's data still takes xena's file: offline data cannot be recalled.
    expect(await new Agent().check(oldData, PIN + oldCode)).toMatchObject({ outcome: 'accept' });
  });
});
