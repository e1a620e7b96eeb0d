import {
  getTokenRoute,
  resetEmergencyAccessRoute,
  setOnlineUseRoute,
  viewEmergencyAccessRoute,
} from '../../functions/api/contract/admin-routes';
import { agentAuthenticateRoute, agentAuthenticationReply } from '../../functions/api/contract/agent-routes';
import { EMERGENCY_ACCESS_FAILURE_LIMIT, TOKENCODE_FAILURE_LIMIT } from '../../shared/domain/lockout';
import type { UseCaseDependencies } from '../../shared/use-cases/context';
import { unlockToken } from '../../shared/use-cases/unlock';
import { startDemoSystem, USERS } from '../support/demo';
import { atProductionCost } from '../support/kdf';
import { ADMIN } from '../support/events';
import type { UseCaseSystem } from '../support/system';
import {
  agentLogin,
  changeOfflinePolicy,
  nextPasscode,
  nextTokencode,
  offlineCheck,
  TestClock,
  WEB_AGENT,
  type LoginOptions,
} from '../support/agent';
import { tokenDetailsOf } from '../../functions/api/views';

const [alice, bob, carol, dave, erin] = USERS;
const HELPDESK = { id: 'helpdesk', domains: '*' as const, requestId: 'unlock-request' };

let system: UseCaseSystem;
let deps: UseCaseDependencies;
const clock = new TestClock();

beforeAll(async () => {
  ({ system, deps } = await startDemoSystem({ clock }));
});

afterAll(async () => {
  await system.stop();
});

const login = (userId: string, passcode: string, options?: LoginOptions) =>
  agentLogin(system, deps, userId, passcode, options);
const admin = (route: Parameters<UseCaseSystem['call']>[0], serial: string, body?: unknown) =>
  system.callWith(deps, route, {
    params: { serial },
    claims: ADMIN,
    ...(body === undefined ? {} : { body }),
  });
const offline = (data: unknown, passcode: string) => offlineCheck(data, passcode, clock.now, deps.kdf);

async function trail(serial: string) {
  return (await deps.store.listAudit(serial, { limit: 100 })).items;
}

const REJECT = { outcome: 'reject', method: null, offlineData: null };

describe('alice (SecurID) from her first login to a reset and beyond', () => {
  let code1: string;
  let data1: { emergencyAccess: { generation: number; issueId: string } };
  let code2: string;
  let data2: unknown;

  it('issues generation 1 on the first online login to an offline agent; the view then shows it', async () => {
    const reply = await login('alice', nextPasscode(clock, alice));
    expect(reply.status).toBe(200);
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(agentAuthenticationReply.parse(atProductionCost(reply.body))).toEqual(
      atProductionCost(reply.body),
    );
    expect(reply.body).toMatchObject({
      outcome: 'accept',
      method: 'tokencode',
      offlineData: {
        userId: 'alice',
        serial: alice.serial,
        kind: 'securid',
        requiresPin: true,
        agentId: 'win-agent-1',
        days: 14,
        tokencodes: { count: 14 * 1440 },
        emergencyAccess: { generation: 1, codeLength: 12 },
      },
    });
    data1 = reply.body.offlineData;

    const page = await admin(viewEmergencyAccessRoute, alice.serial);
    expect(page.body.offline).toMatchObject({ state: 'active', generation: 1, resetPending: false });
    expect(page.body.eligibility).toEqual({ eligible: true, reasons: [] });
    code1 = page.body.offline.tokencode;
    expect(code1).toMatch(/^[A-Z2-9]{12}$/);
    const issued = (await deps.store.getTokenState(alice.serial))!.issued;
    expect(issued).toMatchObject({ generation: 1, issueId: data1.emergencyAccess.issueId, codeLength: 12 });
    expect(reply.raw).not.toContain(code1);

    // The agent, offline, takes PIN and code and the next minutes' tokencodes.
    expect(await offline(data1, alice.pin + code1)).toMatchObject({
      outcome: 'accept',
      method: 'emergency-access',
    });
    expect(await offline(data1, nextPasscode(clock, alice))).toMatchObject({
      outcome: 'accept',
      method: 'tokencode',
    });

    const events = await trail(alice.serial);
    expect(events.map((e) => `${e.action}:${e.outcome}`)).toEqual(
      expect.arrayContaining(['authenticate.tokencode:success', 'emergency-access.issued:success']),
    );
    expect(events.find((e) => e.action === 'emergency-access.issued')).toMatchObject({
      actor: 'win-agent-1',
      region: 'test-primary',
      details: { generation: 1, reason: 'first' },
    });
    expect(JSON.stringify(events)).not.toMatch(new RegExp(`${code1}|${alice.seed}`));
  });

  it('keeps generation 1 on later logins', async () => {
    const reply = await login('alice', nextPasscode(clock, alice));
    expect(reply.body.offlineData.emergencyAccess).toMatchObject({
      generation: 1,
      issueId: data1.emergencyAccess.issueId,
    });
    expect((await trail(alice.serial)).filter((e) => e.action === 'emergency-access.issued')).toHaveLength(1);
  });

  it('refuses the right code online until online use is allowed, saying why and counting nothing, then accepts it', async () => {
    const refused = await login('alice', alice.pin + code1);
    expect(refused.status).toBe(200);
    expect(refused.body).toEqual({ ...REJECT, reason: 'ONLINE_USE_NOT_ALLOWED' });
    expect(agentAuthenticationReply.parse(refused.body)).toEqual(refused.body);
    expect((await trail(alice.serial))[0]).toMatchObject({
      action: 'authenticate.emergency-access',
      outcome: 'denied',
      details: { reason: 'ONLINE_USE_NOT_ALLOWED' },
    });
    const failures = async () =>
      (await deps.store.getTokenState(alice.serial))!.lockout.emergencyAccessFailures;
    expect(await failures()).toBe(0);

    // The reason is earned by the right PIN and code only: a guess gets a plain reject and is counted
    // (else the reason would be a free oracle), and an unknown user's answer is the same plain reject.
    const wrongCode = code1.startsWith('A') ? 'B'.repeat(12) : 'A'.repeat(12);
    expect((await login('alice', alice.pin + wrongCode)).body).toEqual(REJECT);
    expect(await failures()).toBe(1);
    expect((await login('alice', '1357' + code1)).body).toEqual(REJECT);
    expect(await failures()).toBe(2);
    expect((await login('nobody', alice.pin + code1)).body).toEqual(REJECT);
    expect((await login('bob', alice.pin + code1)).body).toEqual(REJECT);

    expect((await admin(setOnlineUseRoute, alice.serial, { allowed: true })).status).toBe(200);
    const accepted = await login('alice', alice.pin + code1);
    expect(accepted.body).toMatchObject({
      outcome: 'accept',
      method: 'emergency-access',
      offlineData: { emergencyAccess: { generation: 1 } },
    });
    expect((await trail(alice.serial)).slice(0, 2)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'authenticate.emergency-access', outcome: 'success' }),
        expect.objectContaining({ action: 'offline-data.downloaded', outcome: 'success' }),
      ]),
    );
    expect((await login('alice', '1357' + code1)).body).toEqual(REJECT);
  });

  it('after a reset, keeps the old code working offline and online until the next login to an offline agent', async () => {
    const reset = await admin(resetEmergencyAccessRoute, alice.serial);
    expect(reset.body.offline).toMatchObject({ generation: 1, resetPending: true, state: 'active' });

    expect(await offline(data1, alice.pin + code1)).toMatchObject({ outcome: 'accept' });
    // An agent without offline authentication downloads nothing, so the reset stays pending.
    const online = await login('alice', alice.pin + code1, { claims: WEB_AGENT });
    expect(online.body).toEqual({ outcome: 'accept', method: 'emergency-access', offlineData: null });
    expect((await admin(viewEmergencyAccessRoute, alice.serial)).body.offline).toMatchObject({
      generation: 1,
      resetPending: true,
      tokencode: code1,
    });
  });

  it('delivers generation 2 at the next online login, after which the old code is refused everywhere', async () => {
    const held = { generation: 1, issueId: data1.emergencyAccess.issueId };
    const reply = await login('alice', nextPasscode(clock, alice), { heldOffline: held });
    expect(reply.body).toMatchObject({
      outcome: 'accept',
      offlineData: { emergencyAccess: { generation: 2 } },
    });
    data2 = reply.body.offlineData;

    const page = await admin(viewEmergencyAccessRoute, alice.serial);
    expect(page.body.offline).toMatchObject({ generation: 2, resetPending: false, state: 'active' });
    code2 = page.body.offline.tokencode;
    expect(code2).not.toBe(code1);
    const events = await trail(alice.serial);
    expect(events.find((e) => e.action === 'emergency-access.issued')).toMatchObject({
      details: { generation: 2, reason: 'reset' },
    });
    expect(events.find((e) => e.action === 'authenticate.tokencode')).toMatchObject({
      outcome: 'success',
      details: { heldGeneration: 1, offlineData: true },
    });
    expect(events.find((e) => e.action === 'offline-data.downloaded')).toMatchObject({
      outcome: 'success',
      details: { heldGeneration: 1, heldReplaced: true, generation: 2 },
    });

    expect((await login('alice', alice.pin + code1)).body).toEqual(REJECT);
    expect((await login('alice', alice.pin + code1, { claims: WEB_AGENT })).body).toEqual(REJECT);
    expect(await offline(data2, alice.pin + code1)).toMatchObject({ outcome: 'reject' });
    expect(await offline(data2, alice.pin + code2)).toMatchObject({
      outcome: 'accept',
      method: 'emergency-access',
    });
    expect((await login('alice', alice.pin + code2)).body).toMatchObject({
      outcome: 'accept',
      method: 'emergency-access',
    });
  });

  it('never takes a SecurID user’s code without the PIN, online or offline', async () => {
    expect((await login('alice', code2)).body).toEqual(REJECT);
    expect(await offline(data2, code2)).toMatchObject({ outcome: 'reject' });
  });

  it('locks after the documented number of wrong codes, refuses even the right passcode, and unlocks', async () => {
    await login('alice', nextPasscode(clock, alice)); // a success starts the counters again
    for (let i = 1; i <= EMERGENCY_ACCESS_FAILURE_LIMIT; i++) {
      expect((await login('alice', `${alice.pin}ZZZZZZZZZZZZ`)).body).toEqual(REJECT);
    }
    const events = await trail(alice.serial);
    expect(events[0]).toMatchObject({
      action: 'authenticate.lockout',
      outcome: 'denied',
      details: { emergencyAccessFailures: EMERGENCY_ACCESS_FAILURE_LIMIT, tokencodeFailures: 0 },
    });
    expect(events[1]).toMatchObject({ action: 'authenticate.emergency-access', outcome: 'failure' });
    expect((await login('alice', nextPasscode(clock, alice))).body).toEqual({
      outcome: 'locked',
      method: null,
      offlineData: null,
    });
    await unlockToken(deps, HELPDESK, alice.serial);
    expect((await login('alice', nextPasscode(clock, alice))).body).toMatchObject({ outcome: 'accept' });
  });
});

describe('bob (Authenticate app)', () => {
  it('uses the code without a PIN, online and offline, and never with one; gets no offline tokencodes', async () => {
    const first = await login('bob', nextTokencode(clock, bob));
    expect(first.body).toMatchObject({
      outcome: 'accept',
      method: 'tokencode',
      offlineData: {
        kind: 'authenticate',
        requiresPin: false,
        tokencodes: null,
        tokencodesWithheld: 'TOKEN_HAS_NO_PIN',
        emergencyAccess: { generation: 1 },
      },
    });
    await admin(setOnlineUseRoute, bob.serial, { allowed: true });
    const code = (await admin(viewEmergencyAccessRoute, bob.serial)).body.offline.tokencode as string;

    expect((await login('bob', code)).body).toMatchObject({ outcome: 'accept', method: 'emergency-access' });
    expect((await login('bob', `1234${code}`)).body).toEqual(REJECT);
    expect(await offline(first.body.offlineData, code)).toMatchObject({ outcome: 'accept' });
    expect(await offline(first.body.offlineData, `1234${code}`)).toMatchObject({ outcome: 'reject' });
    expect(await offline(first.body.offlineData, nextTokencode(clock, bob))).toMatchObject({
      outcome: 'reject',
      reason: 'TOKENCODES_NOT_OFFLINE',
    });
  });
});

describe('two logins at once in one region', () => {
  it('issue one code: the login that loses the write delivers the winner and issues nothing', async () => {
    await deps.store.saveAgent({
      agentId: 'win-agent-2',
      name: 'Second Windows agent',
      supportsOfflineAuthentication: true,
      version: 0,
    });
    await admin(resetEmergencyAccessRoute, bob.serial);
    const code1 = (await admin(viewEmergencyAccessRoute, bob.serial)).body.offline.tokencode as string;
    // Both logins read generation 1 before either writes generation 2.
    const store = deps.store;
    const racing = Object.create(store) as typeof store;
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothArrived = new Promise<void>((resolve) => (release = resolve));
    racing.saveIssuedCode = async (issued) => {
      // Only the writes of a new generation race; the winner's shredding of generation 1 goes through.
      if (issued.version !== 0) return store.saveIssuedCode(issued);
      arrived += 1;
      if (arrived === 2) release();
      await Promise.race([bothArrived, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      return store.saveIssuedCode(issued);
    };
    const racingDeps = { ...deps, store: racing };
    const [byCode, byTokencode] = await Promise.all([
      agentLogin(system, racingDeps, 'bob', code1),
      agentLogin(system, racingDeps, 'bob', nextTokencode(clock, bob), {
        claims: { sub: 'win-agent-2', client_id: 'win-agent-2', scope: 'eat/agent' },
      }),
    ]);
    expect(arrived).toBe(2);
    expect(byCode.body).toMatchObject({ outcome: 'accept', method: 'emergency-access' });
    expect(byTokencode.body).toMatchObject({ outcome: 'accept', method: 'tokencode' });
    const [a, b] = [byCode, byTokencode].map((r) => r.body.offlineData.emergencyAccess);
    expect(a.generation).toBe(2);
    expect(b).toMatchObject({ generation: 2, issueId: a.issueId });
    const issued = (await trail(bob.serial)).filter(
      (e) => e.action === 'emergency-access.issued' && e.details.generation === 2,
    );
    expect(issued).toHaveLength(1);
    const code2 = (await admin(viewEmergencyAccessRoute, bob.serial)).body.offline.tokencode as string;
    for (const reply of [byCode, byTokencode]) {
      expect(await offline(reply.body.offlineData, code2)).toMatchObject({ outcome: 'accept' });
      expect(await offline(reply.body.offlineData, code1)).toMatchObject({ outcome: 'reject' });
    }
  });
});

describe('an expired code', () => {
  it('is refused online, and replaced by a new generation at the next login to an offline agent', async () => {
    const code = (await admin(viewEmergencyAccessRoute, bob.serial)).body.offline.tokencode as string;
    const issued = (await deps.store.getTokenState(bob.serial))!.issued!;
    await deps.store.saveIssuedCode({
      ...issued,
      expiresAt: new Date(clock.now.getTime() - 1000).toISOString(),
    });
    expect((await admin(viewEmergencyAccessRoute, bob.serial)).body.offline).toMatchObject({
      state: 'expired',
      tokencode: null,
    });
    expect((await login('bob', code, { claims: WEB_AGENT })).body).toEqual(REJECT);
    expect((await trail(bob.serial))[0]).toMatchObject({
      action: 'authenticate.emergency-access',
      outcome: 'denied',
      details: { reason: 'NO_ACTIVE_CODE' },
    });

    const reply = await login('bob', nextTokencode(clock, bob));
    expect(reply.body.offlineData.emergencyAccess.generation).toBe(issued.generation + 1);
    expect((await trail(bob.serial)).find((e) => e.action === 'emergency-access.issued')).toMatchObject({
      details: { generation: issued.generation + 1, reason: 'expired' },
    });
    expect((await admin(viewEmergencyAccessRoute, bob.serial)).body.offline).toMatchObject({
      state: 'active',
      generation: issued.generation + 1,
    });
  });
});

describe('domains and agents without offline authentication', () => {
  it('gives a Contractors user no offline data, no record and no code', async () => {
    const reply = await login('carol', nextPasscode(clock, carol));
    expect(reply.body).toEqual({ outcome: 'accept', method: 'tokencode', offlineData: null });
    expect(await deps.store.listOfflineAuthentications('carol')).toEqual([]);
    expect((await deps.store.getTokenState(carol.serial))!.issued).toBeNull();
  });

  it('gives a Sales user offline tokencodes but no emergency code (download not permitted)', async () => {
    const reply = await login('erin', nextPasscode(clock, erin));
    expect(reply.body.offlineData).toMatchObject({ serial: erin.serial, emergencyAccess: null, days: 14 });
    expect((await deps.store.getTokenState(erin.serial))!.issued).toBeNull();
    const [record] = await deps.store.listOfflineAuthentications('erin');
    expect(record).toMatchObject({
      agentId: 'win-agent-1',
      download: { days: 14, validUntil: reply.body.offlineData.validUntil },
    });
  });

  it('gives an agent without offline authentication nothing to download', async () => {
    const reply = await login('dave', nextPasscode(clock, dave), { claims: WEB_AGENT });
    expect(reply.body).toEqual({ outcome: 'accept', method: 'tokencode', offlineData: null });
    expect((await deps.store.getTokenState(dave.serial))!.issued).toBeNull();
  });
});

describe('throttling', () => {
  it(`locks after ${TOKENCODE_FAILURE_LIMIT} wrong passcodes, audits it, shows it, and the unlock lifts it`, async () => {
    const before = (await trail(dave.serial)).length;
    for (let i = 1; i <= TOKENCODE_FAILURE_LIMIT; i++) {
      // A wrong PIN with the right tokencode, and the right PIN with a wrong tokencode, both count.
      const tokencode = nextTokencode(clock, dave);
      const wrong =
        i % 2 === 0
          ? `0000${tokencode}`
          : `${dave.pin}${tokencode.startsWith('0') ? '1' : '0'}${tokencode.slice(1)}`;
      const reply = await login('dave', wrong);
      expect(reply.body).toEqual(REJECT);
      const { lockout } = (await deps.store.getTokenState(dave.serial))!;
      expect(lockout).toMatchObject({
        tokencodeFailures: i,
        lockedAt: i < TOKENCODE_FAILURE_LIMIT ? null : expect.any(String),
      });
    }
    const events = await trail(dave.serial);
    expect(events).toHaveLength(before + TOKENCODE_FAILURE_LIMIT + 1);
    expect(events[0]).toMatchObject({
      action: 'authenticate.lockout',
      outcome: 'denied',
      actor: 'win-agent-1',
    });
    expect(
      events
        .slice(1, 1 + TOKENCODE_FAILURE_LIMIT)
        .every((e) => e.action === 'authenticate.tokencode' && e.outcome === 'failure'),
    ).toBe(true);

    const locked = await login('dave', nextPasscode(clock, dave));
    expect(locked.body).toEqual({ outcome: 'locked', method: null, offlineData: null });
    expect((await trail(dave.serial))[0]).toMatchObject({ outcome: 'denied', details: { reason: 'LOCKED' } });
    const details = await admin(getTokenRoute, dave.serial);
    expect(details.body.lockout).toEqual({
      tokencodeFailures: TOKENCODE_FAILURE_LIMIT,
      emergencyAccessFailures: 0,
      locked: true,
    });

    const unlocked = await unlockToken(deps, HELPDESK, dave.serial);
    expect(tokenDetailsOf(unlocked, new Date()).lockout).toEqual({
      tokencodeFailures: 0,
      emergencyAccessFailures: 0,
      locked: false,
    });
    expect((await login('dave', nextPasscode(clock, dave))).body).toMatchObject({ outcome: 'accept' });
  });

  it('accepts a tokencode once: the same passcode again is a failure', async () => {
    const passcode = nextPasscode(clock, dave);
    expect((await login('dave', passcode)).body).toMatchObject({ outcome: 'accept' });
    expect((await login('dave', passcode)).body).toEqual(REJECT);
    expect((await trail(dave.serial))[0]).toMatchObject({
      outcome: 'failure',
      details: { reason: 'REPLAYED' },
    });
    expect((await login('dave', nextPasscode(clock, dave))).body).toMatchObject({ outcome: 'accept' });
  });
});

describe('the request', () => {
  it('rejects an unknown user like a wrong passcode, auditing nothing', async () => {
    const counts = await Promise.all(USERS.map(async (u) => (await trail(u.serial)).length));
    const reply = await login('nobody', '2468123456');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(REJECT);
    expect(await Promise.all(USERS.map(async (u) => (await trail(u.serial)).length))).toEqual(counts);
  });

  it('refuses an unregistered agent and a caller without the agent scope', async () => {
    const stranger = await login('alice', '2468123456', {
      claims: { sub: 'rogue', client_id: 'rogue', scope: 'eat/agent' },
    });
    expect(stranger.status).toBe(403);
    const administrator = await login('alice', '2468123456', { claims: ADMIN });
    expect(administrator.status).toBe(403);
    expect(administrator.body.error.code).toBe('FORBIDDEN');
  });

  it('answers 400 to a malformed body without repeating the passcode', async () => {
    const passcode = `2468${'9'.repeat(70)}`;
    const reply = await system.callWith(deps, agentAuthenticateRoute, {
      claims: { sub: 'win-agent-1', client_id: 'win-agent-1', scope: 'eat/agent' },
      body: { userId: 'alice', passcode, extra: true },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('VALIDATION_FAILED');
    expect(reply.raw).not.toContain(passcode.slice(0, 20));
  });
});

describe('a domain that keeps tokencodes off laptops (offlineTokencodes: false)', () => {
  it('sends erin (Sales, SecurID) offline data without tokencode data, and says why', async () => {
    const saved = await changeOfflinePolicy(system, deps, 'Sales', { offlineTokencodes: false });
    expect([saved.status, saved.body.offlinePolicy.offlineTokencodes]).toEqual([200, false]);

    const reply = await login('erin', nextPasscode(clock, erin));
    expect(reply.body).toMatchObject({
      outcome: 'accept',
      offlineData: {
        serial: erin.serial,
        requiresPin: true,
        tokencodes: null,
        tokencodesWithheld: 'DOMAIN_POLICY',
      },
    });
    expect(await offline(reply.body.offlineData, nextPasscode(clock, erin))).toMatchObject({
      outcome: 'reject',
      reason: 'TOKENCODES_NOT_OFFLINE',
    });
  });
});
