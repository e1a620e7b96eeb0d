import { NotFoundError } from '../../shared/domain/errors';
import {
  EMERGENCY_ACCESS_FAILURE_LIMIT,
  ownCounters,
  TOKENCODE_FAILURE_LIMIT,
} from '../../shared/domain/lockout';
import { unlockToken } from '../../shared/use-cases/unlock';
import { startDemoSystem, USERS } from '../support/demo';
import type { UseCaseSystem } from '../support/system';
import { tokenDetailsOf } from '../../functions/api/views';

const [alice, , , dave] = USERS;
const HELPDESK = { id: 'helpdesk', domains: '*' as const, requestId: 'req-unlock' };
const SALES_HELPDESK = { id: 'helpdesk-sales', domains: ['Sales'], requestId: 'req-sales' };

let system: UseCaseSystem;

beforeAll(async () => {
  ({ system } = await startDemoSystem());
});

afterAll(async () => {
  await system.stop();
});

/** Locks the token as failed logins in this region would, and returns what a reader then sees. */
async function lock(serial: string) {
  const { items } = (await system.deps.store.getTokenState(serial))!;
  const own = ownCounters(items.counters, serial, system.deps.regionName);
  const acked = own.acks[own.region] ?? { tokencode: 0, emergencyAccess: 0 };
  await system.deps.store.saveRegionalCounters({
    ...own,
    failures: {
      tokencode: acked.tokencode + TOKENCODE_FAILURE_LIMIT,
      emergencyAccess: acked.emergencyAccess + EMERGENCY_ACCESS_FAILURE_LIMIT - 1,
    },
    lockedAt: new Date().toISOString(),
    lockEpoch: own.unlockEpoch,
    lastAcceptedStep: 12345,
  });
  return (await system.deps.store.getTokenState(serial))!.lockout;
}

describe('unlockToken (POST /v1/tokens/{serial}/unlock)', () => {
  it('clears both counters and the lock, keeps the spent tokencode step, and is audited', async () => {
    await lock(dave.serial);
    const details = tokenDetailsOf(await unlockToken(system.deps, HELPDESK, dave.serial), new Date());
    expect(details).toMatchObject({
      serial: dave.serial,
      lockout: { tokencodeFailures: 0, emergencyAccessFailures: 0, locked: false },
    });
    const { lockout } = (await system.deps.store.getTokenState(dave.serial))!;
    expect(lockout).toMatchObject({
      tokencodeFailures: 0,
      emergencyAccessFailures: 0,
      locked: false,
      lockedAt: null,
    });
    expect(lockout.lastAcceptedStep).toBe(12345);
    const [event] = (await system.deps.store.listAudit(dave.serial, { limit: 1 })).items;
    expect(event).toMatchObject({
      action: 'token.unlock',
      actor: 'helpdesk',
      requestId: 'req-unlock',
      region: 'test-primary',
      outcome: 'success',
      details: {
        changed: true,
        wasLocked: true,
        tokencodeFailures: TOKENCODE_FAILURE_LIMIT,
        emergencyAccessFailures: EMERGENCY_ACCESS_FAILURE_LIMIT - 1,
      },
    });
  });

  it('is idempotent: unlocking an unlocked token writes nothing and says so', async () => {
    const before = (await system.deps.store.getTokenState(dave.serial))!.lockout;
    await unlockToken(system.deps, HELPDESK, dave.serial);
    expect((await system.deps.store.getTokenState(dave.serial))!.lockout).toEqual(before);
    const [event] = (await system.deps.store.listAudit(dave.serial, { limit: 1 })).items;
    expect(event).toMatchObject({ action: 'token.unlock', details: { changed: false, wasLocked: false } });
  });

  it('answers not found outside the administrator’s domains, and changes nothing there', async () => {
    const locked = await lock(alice.serial);
    await expect(unlockToken(system.deps, SALES_HELPDESK, alice.serial)).rejects.toThrow(NotFoundError);
    await expect(unlockToken(system.deps, HELPDESK, '999999999999')).rejects.toThrow(NotFoundError);
    expect((await system.deps.store.getTokenState(alice.serial))!.lockout).toEqual(locked);
  });

  it('still unlocks when a failed attempt wrote the counters after they were read', async () => {
    await lock(alice.serial);
    const store = system.deps.store;
    const racing = Object.create(store) as typeof store;
    let raced = false;
    racing.saveRegionalCounters = async (counters) => {
      if (!raced) {
        raced = true;
        // Another request counts one more failure between the unlock's read and its write.
        const { items } = (await store.getTokenState(alice.serial))!;
        const own = ownCounters(items.counters, alice.serial, counters.region);
        await store.saveRegionalCounters({
          ...own,
          failures: { ...own.failures, tokencode: own.failures.tokencode + 1 },
        });
      }
      return store.saveRegionalCounters(counters);
    };
    const details = tokenDetailsOf(
      await unlockToken({ ...system.deps, store: racing }, HELPDESK, alice.serial),
      new Date(),
    );
    expect(raced).toBe(true);
    expect(details.lockout).toEqual({ tokencodeFailures: 0, emergencyAccessFailures: 0, locked: false });
    expect((await store.getTokenState(alice.serial))!.lockout).toMatchObject({
      locked: false,
      lockedAt: null,
    });
  });
});
