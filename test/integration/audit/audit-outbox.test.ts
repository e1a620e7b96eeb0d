/**
 * No change without its audit event, and no audit event without its change (issue 12, finding 4). The
 * failure that matters: the change's conditional write succeeds, then appending its audit event fails.
 * Each kind of audited change is made through a store whose `appendAudit` throws, against DynamoDB Local;
 * the change stays, and once the materializer has read the table's real stream, exactly one event of it
 * exists. A write that loses its condition leaves no event.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { LocalAuditMaterializer } from '../../../local/audit-materializer';
import { AUDIT_OUTBOX_ATTRIBUTE, adminSk, tokenPk } from '../../../shared/adapters/dynamodb/keys';
import { KEY } from '../../../shared/adapters/dynamodb/table-schema';
import { isResetPending } from '../../../shared/domain/emergency-access';
import { DependencyUnavailableError } from '../../../shared/domain/errors';
import { TOKENCODE_FAILURE_LIMIT, ownCounters } from '../../../shared/domain/lockout';
import type { AuditEvent } from '../../../shared/domain/model';
import type { TokenStore } from '../../../shared/ports/token-store';
import { materializeAuditOutbox } from '../../../shared/use-cases/audit';
import type { UseCaseDependencies } from '../../../shared/use-cases/context';
import { changeEmergencyAccess } from '../../../shared/use-cases/emergency-access';
import { assignToken, importToken, setPin, unassignToken } from '../../../shared/use-cases/management';
import { unlockToken } from '../../../shared/use-cases/unlock';
import { seedDemo, USERS } from '../../support/demo';
import { startTestSystem, type TestSystem } from '../../support/system';
import { agentLogin, nextPasscode, TestClock } from '../../support/agent';

const [alice, bob, carol, dave, erin] = USERS;
const SEED = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

let system: TestSystem;
let deps: UseCaseDependencies;
let materializer: LocalAuditMaterializer;
const clock = new TestClock();
let requests = 0;

beforeAll(async () => {
  system = await startTestSystem();
  await seedDemo(system);
  deps = { ...system.deps, clock: clock.read };
  materializer = await LocalAuditMaterializer.open({
    client: system.table.client,
    tableName: system.table.tableName,
    regionName: deps.regionName,
    from: 'start',
  });
});

afterAll(async () => {
  await materializer.stop();
  await system.stop();
});

/**
 * The store as it is, but `method` fails (by default appending any audit event; `when` narrows it to some
 * calls), as a throttled or unreachable table's would.
 */
function failingStore(
  store: TokenStore,
  method: keyof TokenStore = 'appendAudit',
  when: (...args: unknown[]) => boolean = () => true,
): TokenStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === method) {
        const real = (Reflect.get(target, name, receiver) as (...a: unknown[]) => Promise<unknown>).bind(
          target,
        );
        return (...args: unknown[]) =>
          when(...args) ? Promise.reject(new DependencyUnavailableError('DynamoDB')) : real(...args);
      }
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const failing = (...how: Parameters<typeof failingStore> extends [unknown, ...infer R] ? R : never) => ({
  ...deps,
  store: failingStore(deps.store, ...how),
});

/** A new administrator request, so that its events can be told from every other's. */
function admin() {
  requests += 1;
  return { id: 'jane.admin', via: 'console', domains: '*' as const, requestId: `outbox-${requests}` };
}

async function eventsOf(serial: string, requestId: string): Promise<AuditEvent[]> {
  const { items } = await deps.store.listAudit(serial, { limit: 100 });
  return items.filter((e) => e.requestId === requestId);
}

describe('a change whose audit append fails after the write', () => {
  it('a code issued by an agent login: the code stays, and its one event is materialized', async () => {
    const issuing = failing(
      'appendAudit',
      (event) => (event as AuditEvent).action === 'emergency-access.issued',
    );
    const reply = await agentLogin(system, issuing, 'alice', nextPasscode(clock, alice));
    expect(reply.status).toBe(503);
    const issued = (await deps.store.getTokenState(alice.serial))!.issued;
    expect(issued).toMatchObject({ generation: 1, state: 'active' });
    const issuedEvents = async () =>
      (await deps.store.listAudit(alice.serial, { limit: 100 })).items.filter(
        (e) => e.action === 'emergency-access.issued',
      );
    expect(await issuedEvents()).toHaveLength(0);

    await materializer.drain();
    const events = await issuedEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: 'win-agent-1',
      region: deps.regionName,
      outcome: 'success',
      details: { generation: 1, reason: 'first', issueId: issued!.issueId },
    });

    // The agent's retry gets the code that was issued; no second code, no second event.
    const retry = await agentLogin(system, deps, 'alice', nextPasscode(clock, alice));
    expect(retry.body.offlineData.emergencyAccess).toMatchObject({ generation: 1, issueId: issued!.issueId });
    await materializer.drain();
    expect(await issuedEvents()).toHaveLength(1);
  });

  it('online use on: the setting stays, one `changed: true` event, and the retry is `changed: false`', async () => {
    const actor = admin();
    await expect(
      changeEmergencyAccess(failing(), actor, alice.serial, { onlineUseAllowed: true }, undefined),
    ).rejects.toThrow(DependencyUnavailableError);
    expect((await deps.store.getTokenState(alice.serial))!.settings.onlineUseAllowed).toBe(true);
    expect(await eventsOf(alice.serial, actor.requestId)).toEqual([]);

    await materializer.drain();
    expect(await eventsOf(alice.serial, actor.requestId)).toEqual([
      expect.objectContaining({
        action: 'emergency-access.online-use',
        actor: 'jane.admin',
        outcome: 'success',
        details: expect.objectContaining({ onlineUseAllowed: true, changed: true, via: 'console' }),
      }),
    ]);

    const retry = { ...actor, requestId: `${actor.requestId}-retry` };
    await changeEmergencyAccess(deps, retry, alice.serial, { onlineUseAllowed: true }, undefined);
    await materializer.drain();
    expect(await eventsOf(alice.serial, retry.requestId)).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ changed: false }) }),
    ]);
    expect(await eventsOf(alice.serial, actor.requestId)).toHaveLength(1);
  });

  it('reset: the reset stays requested, and its one event is materialized', async () => {
    const actor = admin();
    await expect(
      changeEmergencyAccess(failing(), actor, alice.serial, { resetOffline: true }, undefined),
    ).rejects.toThrow(DependencyUnavailableError);
    const { settings, issued } = (await deps.store.getTokenState(alice.serial))!;
    expect(isResetPending(settings, issued)).toBe(true);
    await materializer.drain();
    expect(await eventsOf(alice.serial, actor.requestId)).toEqual([
      expect.objectContaining({
        action: 'emergency-access.reset',
        actor: 'jane.admin',
        details: expect.objectContaining({ resetOffline: true, changed: true, generation: 1 }),
      }),
    ]);
  });

  it('PIN set: the new PIN stays, its event is materialized, and neither holds the PIN', async () => {
    const actor = admin();
    const before = (await deps.store.getTokenState(carol.serial))!.token.pinVerifier;
    await expect(setPin(failing(), actor, carol.serial, '86420975', undefined)).rejects.toThrow(
      DependencyUnavailableError,
    );
    const after = (await deps.store.getTokenState(carol.serial))!.token.pinVerifier;
    expect(after).not.toBeNull();
    expect(after).not.toEqual(before);
    await materializer.drain();
    const events = await eventsOf(carol.serial, actor.requestId);
    expect(events).toEqual([
      expect.objectContaining({
        action: 'token.manage',
        actor: 'jane.admin',
        details: expect.objectContaining({ change: 'pin-set', changed: true }),
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain('86420975');
    // The outbox stays on the admin item until its next write: it holds no PIN either.
    const raw = await system.table.client.send(
      new GetItemCommand({
        TableName: system.table.tableName,
        Key: { [KEY.partition]: { S: tokenPk(carol.serial) }, [KEY.sort]: { S: adminSk(deps.regionName) } },
      }),
    );
    const outbox = raw.Item?.[AUDIT_OUTBOX_ATTRIBUTE];
    expect(outbox?.L).toHaveLength(1);
    expect(JSON.stringify(outbox)).not.toContain('86420975');
  });

  it('assignment and unassignment: each stays, each with its one event', async () => {
    const serial = 'OUTBOX000001';
    await importToken(deps, admin(), {
      serial,
      kind: 'authenticate',
      seed: SEED,
      digits: 6,
      securityDomain: 'SystemDomain',
    });
    const assign = admin();
    await expect(assignToken(failing(), assign, serial, bob.userId, undefined)).rejects.toThrow(
      DependencyUnavailableError,
    );
    expect((await deps.store.getToken(serial))!.user?.userId).toBe(bob.userId);
    const unassign = admin();
    await expect(unassignToken(failing(), unassign, serial, undefined)).rejects.toThrow(
      DependencyUnavailableError,
    );
    expect((await deps.store.getToken(serial))!.user).toBeNull();

    await materializer.drain();
    expect(await eventsOf(serial, assign.requestId)).toEqual([
      expect.objectContaining({
        action: 'token.manage',
        details: expect.objectContaining({ change: 'assign', userId: bob.userId, changed: true }),
      }),
    ]);
    expect(await eventsOf(serial, unassign.requestId)).toEqual([
      expect.objectContaining({
        action: 'token.manage',
        details: expect.objectContaining({ change: 'unassign', userId: bob.userId, changed: true }),
      }),
    ]);
  });

  it('unlock: the token stays unlocked, and its one event is materialized', async () => {
    const { items } = (await deps.store.getTokenState(dave.serial))!;
    const own = ownCounters(items.counters, dave.serial, deps.regionName);
    await deps.store.saveRegionalCounters({
      ...own,
      failures: { tokencode: TOKENCODE_FAILURE_LIMIT, emergencyAccess: 0 },
      lockedAt: clock.read().toISOString(),
      lockEpoch: own.unlockEpoch,
    });
    expect((await deps.store.getTokenState(dave.serial))!.lockout.locked).toBe(true);

    const actor = admin();
    await expect(unlockToken(failing(), actor, dave.serial)).rejects.toThrow(DependencyUnavailableError);
    expect((await deps.store.getTokenState(dave.serial))!.lockout.locked).toBe(false);
    await materializer.drain();
    expect(await eventsOf(dave.serial, actor.requestId)).toEqual([
      expect.objectContaining({
        action: 'token.unlock',
        actor: 'jane.admin',
        details: expect.objectContaining({ changed: true, wasLocked: true, stillLocked: false }),
      }),
    ]);
  });

  it('an accepted login: its step stays spent, and its one success event is materialized', async () => {
    const passcode = nextPasscode(clock, bob);
    const successes = async () =>
      (await deps.store.listAudit(bob.serial, { limit: 100 })).items.filter(
        (e) => e.action === 'authenticate.tokencode' && e.outcome === 'success',
      );
    const before = (await successes()).length;
    const reply = await agentLogin(system, failing(), 'bob', passcode);
    expect(reply.status).toBe(503);
    await materializer.drain();
    expect(await successes()).toHaveLength(before + 1);
    // The step is spent: the same passcode again is a replay, refused and counted.
    const again = await agentLogin(system, deps, 'bob', passcode);
    expect(again.body).toMatchObject({ outcome: 'reject' });
    expect(await successes()).toHaveLength(before + 1);
  });

  it('an unassignment whose second write fails: the narrowing audited as such, the retry audits the rest once', async () => {
    const serial = 'OUTBOX000002';
    await importToken(deps, admin(), {
      serial,
      kind: 'securid',
      seed: SEED,
      digits: 6,
      securityDomain: 'SystemDomain',
    });
    await assignToken(deps, admin(), serial, carol.userId, undefined);
    await setPin(deps, admin(), serial, '24681357', undefined);

    const first = admin();
    await expect(unassignToken(failing('saveToken'), first, serial, undefined)).rejects.toThrow(
      DependencyUnavailableError,
    );
    const narrowed = (await deps.store.getTokenState(serial))!;
    expect(narrowed.token.pinVerifier).toBeNull();
    expect(narrowed.token.user?.userId).toBe(carol.userId);
    const retry = admin();
    await unassignToken(deps, retry, serial, undefined);
    expect((await deps.store.getToken(serial))!.user).toBeNull();

    await materializer.drain();
    expect(await eventsOf(serial, first.requestId)).toEqual([
      expect.objectContaining({
        action: 'token.manage',
        details: expect.objectContaining({ change: 'revoke-access', pinCleared: true, changed: true }),
      }),
    ]);
    expect(await eventsOf(serial, retry.requestId)).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ change: 'unassign', userId: carol.userId, changed: true }),
      }),
    ]);
  });

  it('a failed login: the counted failure stays, and its one event is materialized', async () => {
    const before = (await deps.store.getTokenState(erin.serial))!.lockout.tokencodeFailures;
    const reply = await agentLogin(system, failing(), 'erin', `${erin.pin}000000`);
    expect(reply.status).toBe(503);
    expect((await deps.store.getTokenState(erin.serial))!.lockout.tokencodeFailures).toBe(before + 1);
    await materializer.drain();
    const failures = (await deps.store.listAudit(erin.serial, { limit: 100 })).items.filter(
      (e) => e.outcome === 'failure',
    );
    expect(failures).toEqual([
      expect.objectContaining({
        action: 'authenticate.tokencode',
        actor: 'win-agent-1',
        details: expect.objectContaining({ reason: 'NO_MATCH', tokencodeFailures: before + 1 }),
      }),
    ]);
  });
});

describe('a change whose conditional write lost', () => {
  it('leaves no audit event', async () => {
    const actor = admin();
    const real = deps.store;
    // Another administrator of this region writes the admin item between this request's read and write.
    const racing: TokenStore = new Proxy(real, {
      get(target, name, receiver) {
        if (name === 'saveAdminSettings') {
          return async (...args: Parameters<TokenStore['saveAdminSettings']>) => {
            await real.saveAdminSettings(args[0]);
            return real.saveAdminSettings(...args);
          };
        }
        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    await expect(
      changeEmergencyAccess(
        { ...deps, store: racing },
        actor,
        alice.serial,
        { onlineUseAllowed: false },
        undefined,
      ),
    ).rejects.toMatchObject({ code: 'ETAG_MISMATCH' });
    await materializer.drain();
    expect(await eventsOf(alice.serial, actor.requestId)).toEqual([]);
  });
});

describe('the materializer', () => {
  async function allEvents(): Promise<AuditEvent[]> {
    const serials: string[] = [...[alice, bob, carol, dave, erin].map((u) => u.serial), 'OUTBOX000001'];
    const lists = await Promise.all(serials.map((s) => deps.store.listAudit(s, { limit: 100 })));
    return lists.flatMap((l) => l.items);
  }

  it('is idempotent: reading the same stream records again makes no second event', async () => {
    const before = await allEvents();
    const again = await LocalAuditMaterializer.open({
      client: system.table.client,
      tableName: system.table.tableName,
      regionName: deps.regionName,
      from: 'start',
    });
    try {
      const pass = await again.drain();
      // It did append each event of this region again, and each append changed nothing.
      expect(pass.appended).toBeGreaterThanOrEqual(8);
    } finally {
      await again.stop();
    }
    const after = await allEvents();
    expect(after).toHaveLength(before.length);
    expect(after).toEqual(expect.arrayContaining(before));
  });

  it('appends only its own region’s events: another region’s materializer appends none of them', async () => {
    const before = await allEvents();
    const replica = await LocalAuditMaterializer.open({
      client: system.table.client,
      tableName: system.table.tableName,
      regionName: 'test-replica',
      from: 'start',
    });
    try {
      const pass = await replica.drain();
      expect(pass).toMatchObject({ appended: 0, retrying: 0 });
      expect(pass.otherRegions).toBeGreaterThanOrEqual(8);
    } finally {
      await replica.stop();
    }
    expect(await allEvents()).toHaveLength(before.length);
  });

  it('the use case skips another region’s event and appends its own once', async () => {
    const event = {
      eventId: 'fixed-event-id-1',
      serial: bob.serial,
      at: clock.read().toISOString(),
      action: 'token.manage' as const,
      actor: 'jane.admin',
      region: 'elsewhere',
      outcome: 'success' as const,
      requestId: 'materialize-direct',
      details: { changed: true },
    };
    expect(await materializeAuditOutbox(deps, [event])).toEqual({ appended: 0, otherRegions: 1 });
    expect(await eventsOf(bob.serial, 'materialize-direct')).toEqual([]);
    const own = { ...event, region: deps.regionName };
    await materializeAuditOutbox(deps, [own]);
    await materializeAuditOutbox(deps, [own]);
    expect(await eventsOf(bob.serial, 'materialize-direct')).toHaveLength(1);
  });
});

describe('reads never show the outbox', () => {
  it('neither the token state nor the audit trail carries it or an event id', async () => {
    const state = (await deps.store.getTokenState(carol.serial))!;
    for (const item of [state.items.token, ...state.items.admin, ...state.items.counters]) {
      expect(item).not.toHaveProperty(AUDIT_OUTBOX_ATTRIBUTE);
    }
    const { items } = await deps.store.listAudit(carol.serial, { limit: 100 });
    expect(items.length).toBeGreaterThan(0);
    for (const event of items) expect(event).not.toHaveProperty('eventId');
  });
});
