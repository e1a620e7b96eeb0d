/** The expiry sweep on the in-memory store: each test gets a store of its own, since a sweep reads it all. */
import { nextAdminSettings } from '../../shared/domain/regional-state';
import { DependencyUnavailableError } from '../../shared/domain/errors';
import { offlineEmergencyStateOf } from '../../shared/domain/emergency-access';
import type { IssuedEmergencyCode, OfflineAuthentication } from '../../shared/domain/model';
import type { Sealer } from '../../shared/ports/sealer';
import type { TokenStore } from '../../shared/ports/token-store';
import type { UseCaseDependencies } from '../../shared/use-cases/context';
import {
  sweepExpired,
  type SweepFailure,
  type SweepOptions,
  type SweepResult,
} from '../../shared/use-cases/sweep-expired';
import { anIssuedCode, aToken, currentCode } from '../support/fixtures';
import { MemoryTokenStore } from '../../shared/adapters/memory/memory-token-store';
import { TEST_KDF_COST } from '../support/kdf';

const NOW = new Date('2027-03-10T12:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

/** The sweep needs no key service: shredding is dropping the ciphertext. */
const noSealer: Sealer = {
  seal: () => Promise.reject(new Error('the sweep must not seal')),
  open: () => Promise.reject(new Error('the sweep must not open')),
};

let table: { store: TokenStore };
beforeEach(() => {
  table = { store: new MemoryTokenStore() };
});

function depsWith(store: TokenStore = table.store): UseCaseDependencies {
  return {
    store,
    sealer: noSealer,
    pepper: { mac: () => Promise.reject(new Error('the sweep must not pepper')) },
    clock: () => NOW,
    regionName: 'test-primary',
    policyCaps: { maxEmergencyCodeLifetimeDays: 30 },
    kdf: TEST_KDF_COST,
  };
}

/** The store with some methods replaced; `real` is the store itself, for the replacements to call. */
function storeWith(overrides: (real: TokenStore) => Partial<TokenStore>): TokenStore {
  const real = table.store;
  const replaced = overrides(real) as Record<string | symbol, unknown>;
  return new Proxy(real, {
    get(target, name) {
      if (name in replaced) return replaced[name];
      const value = Reflect.get(target, name) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function sweep(options: SweepOptions = {}, store?: TokenStore): Promise<SweepResult> {
  return sweepExpired(depsWith(store), { now: NOW, ...options });
}

async function seedCode(serial: string, expiresAt: string, generation = 1): Promise<IssuedEmergencyCode> {
  if ((await table.store.getTokenState(serial)) === null) await table.store.saveToken(aToken({ serial }));
  return table.store.saveIssuedCode(
    anIssuedCode({
      serial,
      generation,
      expiresAt,
      issuedAt: new Date(Date.parse(expiresAt) - 14 * DAY).toISOString(),
      sealedCode: { keyId: 'local:test', ciphertext: `c2VhbGVk-${serial}` },
      verifier: { algorithm: 'pbkdf2-sha256', iterations: 600_000, salt: 'c2FsdA', hash: 'aGFzaA' },
    }),
  );
}

/** A new generation issued, as online authentication does: a new item. */
function reissue(store: TokenStore, issued: IssuedEmergencyCode): Promise<IssuedEmergencyCode> {
  return store.saveIssuedCode({
    ...issued,
    version: 0,
    generation: issued.generation + 1,
    issuedAt: NOW.toISOString(),
    expiresAt: at(14 * DAY),
    sealedCode: { keyId: 'local:test', ciphertext: 'bmV3LWNvZGU' },
  });
}

async function expiredAudits(serial: string) {
  const page = await table.store.listAudit(serial, { limit: 100 });
  return page.items.filter((e) => e.action === 'emergency-access.expired');
}

const counts = (result: SweepResult) => ({
  due: result.due,
  expired: result.expired,
  skipped: result.skipped,
  failed: result.failed,
});

describe('the expiry sweep', () => {
  it('expires every code due by now, shreds it, audits it once, and leaves the rest alone', async () => {
    const due = [
      await seedCode('DUE000000001', at(-9 * DAY)),
      await seedCode('DUE000000002', at(-20 * HOUR)),
      await seedCode('DUE000000003', at(-1)),
      await seedCode('DUE000000004', at(0)),
    ];
    const notDue = [
      await seedCode('NOTDUE000001', at(1)),
      await seedCode('NOTDUE000002', at(11 * HOUR)),
      await seedCode('NOTDUE000003', at(3 * DAY)),
    ];

    const result = await sweep();

    expect(result).toEqual({
      due: 4,
      expired: 4,
      skipped: 0,
      failed: 0,
      downloads: { due: 0, removed: 0, skipped: 0, failed: 0 },
      stoppedEarly: false,
      stopReason: 'complete',
    });
    for (const before of due) {
      const after = await currentCode(table.store, before.serial);
      expect(after).toEqual({
        ...before,
        state: 'expired',
        sealedCode: null,
        verifier: null,
        version: before.version + 1,
      });
      const audits = await expiredAudits(before.serial);
      expect(audits).toEqual([
        expect.objectContaining({
          actor: 'sweep',
          outcome: 'success',
          region: 'test-primary',
          details: { generation: before.generation },
        }),
      ]);
      expect(JSON.stringify(audits)).not.toContain('c2VhbGVk');
    }
    for (const before of notDue) expect(await currentCode(table.store, before.serial)).toEqual(before);
    expect((await table.store.findDueCodes('2027-03-10', at(0), { limit: 10 })).items).toEqual([]);
  });

  it('changes nothing on a second run', async () => {
    await seedCode('AGAIN0000001', at(-2 * DAY));
    await seedCode('AGAIN0000002', at(-HOUR));
    await seedCode('AGAIN0000003', at(HOUR));
    expect(counts(await sweep())).toEqual({ due: 2, expired: 2, skipped: 0, failed: 0 });
    const snapshot = async () =>
      Promise.all(
        ['AGAIN0000001', 'AGAIN0000002', 'AGAIN0000003'].map(async (serial) => ({
          issued: await currentCode(table.store, serial),
          audit: (await table.store.listAudit(serial, { limit: 100 })).items,
        })),
      );
    const afterFirst = await snapshot();

    const second = await sweep();

    expect(second).toMatchObject({ due: 0, expired: 0, skipped: 0, failed: 0, stoppedEarly: false });
    expect(await snapshot()).toEqual(afterFirst);
  });

  it('expires the due generation and leaves alone a newer one issued after the index was read, or before its write', async () => {
    const readLate = await seedCode('RACE00000001', at(-HOUR), 3);
    const writeLate = await seedCode('RACE00000002', at(-HOUR), 5);
    const bystander = await seedCode('RACE00000003', at(-HOUR));
    const reissued = new Map<string, IssuedEmergencyCode>();
    const store = storeWith((real) => ({
      // A login re-issues RACE00000001 between the index read and the sweep's own read of the item.
      findDueCodes: async (day, now, page) => {
        const found = await real.findDueCodes(day, now, page);
        if (found.items.some((d) => d.serial === readLate.serial) && !reissued.has(readLate.serial)) {
          reissued.set(readLate.serial, await reissue(real, readLate));
        }
        return found;
      },
      // ... and RACE00000002 between the sweep's read of the item and its conditional write.
      getIssuedCode: async (serial, generation) => {
        const issued = await real.getIssuedCode(serial, generation);
        if (serial === writeLate.serial && !reissued.has(serial)) {
          reissued.set(serial, await reissue(real, issued!));
        }
        return issued;
      },
    }));

    const result = await sweep({}, store);

    expect(counts(result)).toEqual({ due: 3, expired: 3, skipped: 0, failed: 0 });
    expect(reissued.size).toBe(2);
    for (const old of [readLate, writeLate]) {
      const current = await currentCode(table.store, old.serial);
      expect(current).toEqual(reissued.get(old.serial));
      expect(current).toMatchObject({ state: 'active', sealedCode: { ciphertext: 'bmV3LWNvZGU' } });
      expect(await table.store.getIssuedCode(old.serial, old.generation)).toMatchObject({
        state: 'expired',
        sealedCode: null,
      });
      expect((await expiredAudits(old.serial)).map((e) => e.details.generation)).toEqual([old.generation]);
    }
    expect(await currentCode(table.store, bystander.serial)).toMatchObject({ state: 'expired' });
  });

  it('skips an index entry naming another generation than the table holds (the index lags)', async () => {
    const issued = await seedCode('LAG000000001', at(-HOUR), 4);
    const store = storeWith((real) => ({
      findDueCodes: async (day, now, page) => {
        const found = await real.findDueCodes(day, now, page);
        return { ...found, items: found.items.map((d) => ({ ...d, generation: d.generation - 1 })) };
      },
    }));

    expect(counts(await sweep({}, store))).toEqual({ due: 1, expired: 0, skipped: 1, failed: 0 });
    expect(await currentCode(table.store, issued.serial)).toEqual(issued);
  });

  it('keeps an administrator’s reset made while it runs, and still expires the due code', async () => {
    await table.store.saveToken(aToken({ serial: 'RESET0000001' }));
    const issued = await seedCode('RESET0000001', at(-HOUR), 2);
    const store = storeWith((real) => ({
      getIssuedCode: async (serial, generation) => {
        const state = (await real.getTokenState(serial))!;
        await real.saveAdminSettings(
          nextAdminSettings(
            state.items,
            { resetAtGeneration: 2 },
            { region: 'test-primary', at: new Date(), by: 'helpdesk' },
          ),
        );
        return real.getIssuedCode(serial, generation);
      },
    }));

    expect(counts(await sweep({}, store))).toEqual({ due: 1, expired: 1, skipped: 0, failed: 0 });

    const state = (await table.store.getTokenState(issued.serial))!;
    expect(state.settings).toMatchObject({
      resetRequestedAtGeneration: 2,
      updatedBy: 'helpdesk',
    });
    expect(state.issued).toMatchObject({ generation: 2, state: 'expired', sealedCode: null });
  });

  it('expires each code once when two sweeps run at once over the same entries', async () => {
    const serials = Array.from({ length: 24 }, (_, i) => `BOTH${String(i).padStart(8, '0')}`);
    // One bucket, one page: both sweeps read every entry before either writes, so they contend for each.
    for (const [i, serial] of serials.entries()) await seedCode(serial, at(-(i + 1) * 60_000));
    let waiting = 2;
    let release!: () => void;
    const bothHaveRead = new Promise<void>((resolve) => (release = resolve));
    const contending = () =>
      storeWith((real) => ({
        findDueCodes: async (day, now, page) => {
          const found = await real.findDueCodes(day, now, page);
          if (found.items.length > 0 && waiting > 0 && --waiting === 0) release();
          if (found.items.length > 0) await bothHaveRead;
          return found;
        },
      }));

    const [one, two] = await Promise.all([
      sweep({ concurrency: 4 }, contending()),
      sweep({ concurrency: 4 }, contending()),
    ]);

    expect(one.due).toBe(serials.length);
    expect(two.due).toBe(serials.length);
    expect(one.expired + two.expired).toBe(serials.length);
    expect(one.skipped + two.skipped).toBe(serials.length);
    expect(one.failed + two.failed).toBe(0);
    for (const serial of serials) {
      expect(await currentCode(table.store, serial)).toMatchObject({ state: 'expired', version: 2 });
      expect(await expiredAudits(serial)).toHaveLength(1);
    }
  });

  it('stops at its item bound, and the next runs continue where it stopped, oldest first', async () => {
    const expiries = [-50, -30, -29, -26, -5, -2, -1].map((hours) => at(hours * HOUR));
    const serials = expiries.map((_, i) => `BOUND0000${String(i).padStart(3, '0')}`);
    for (const [i, serial] of serials.entries()) await seedCode(serial, expiries[i]!);
    const states = async () =>
      Promise.all(serials.map(async (s) => (await currentCode(table.store, s))!.state));

    const first = await sweep({ maxItems: 3, concurrency: 2 });
    expect(first).toMatchObject({ due: 3, expired: 3, stoppedEarly: true, stopReason: 'max-items' });
    expect(await states()).toEqual(['expired', 'expired', 'expired', 'active', 'active', 'active', 'active']);

    const second = await sweep({ maxItems: 3, concurrency: 2 });
    expect(second).toMatchObject({ due: 3, expired: 3, stoppedEarly: true });
    const third = await sweep({ maxItems: 3, concurrency: 2 });
    expect(third).toMatchObject({ due: 1, expired: 1, stoppedEarly: false, stopReason: 'complete' });
    expect(new Set(await states())).toEqual(new Set(['expired']));
  });

  it('starts nothing once its deadline has passed, and leaves the rest to the next run', async () => {
    const serials = ['LATE00000001', 'LATE00000002', 'LATE00000003', 'LATE00000004'];
    for (const [i, serial] of serials.entries()) await seedCode(serial, at(-(i + 1) * HOUR));

    const passed = await sweep({ deadline: Date.now() - 1 });
    expect(passed).toMatchObject({ due: 0, expired: 0, stoppedEarly: true, stopReason: 'deadline' });

    // The deadline passes while the first item is under way: no other item may start.
    const deadline = Date.now() + 200;
    const store = storeWith((real) => ({
      getIssuedCode: async (serial, generation) => {
        while (Date.now() <= deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        return real.getIssuedCode(serial, generation);
      },
    }));
    const during = await sweep({ deadline, concurrency: 1 }, store);
    expect(during).toMatchObject({ stoppedEarly: true, stopReason: 'deadline' });
    expect(during.expired).toBeLessThanOrEqual(1);

    const rest = await sweep();
    expect(during.expired + rest.expired).toBe(serials.length);
  });

  it('counts and reports a failed write, goes on, and a later run expires that code', async () => {
    await seedCode('FAIL00000001', at(-3 * HOUR));
    await seedCode('FAIL00000002', at(-2 * HOUR));
    await seedCode('FAIL00000003', at(-HOUR));
    const failures: SweepFailure[] = [];
    const store = storeWith((real) => ({
      saveIssuedCode: async (issued) => {
        if (issued.serial === 'FAIL00000002') throw new DependencyUnavailableError('DynamoDB');
        return real.saveIssuedCode(issued);
      },
    }));

    const result = await sweep({ onFailure: (f) => failures.push(f) }, store);

    expect(counts(result)).toEqual({ due: 3, expired: 2, skipped: 0, failed: 1 });
    expect(failures).toEqual([
      { what: 'code', subject: 'FAIL00000002', error: expect.any(DependencyUnavailableError) },
    ]);
    expect(await currentCode(table.store, 'FAIL00000002')).toMatchObject({ state: 'active' });
    expect(counts(await sweep())).toEqual({ due: 1, expired: 1, skipped: 0, failed: 0 });
  });

  it('stops and says so when the index cannot be read', async () => {
    await seedCode('INDEX0000001', at(-HOUR));
    const failures: SweepFailure[] = [];
    const store = storeWith(() => ({
      findDueCodes: () => Promise.reject(new DependencyUnavailableError('DynamoDB')),
    }));

    const result = await sweep({ onFailure: (f) => failures.push(f) }, store);

    expect(result).toMatchObject({ due: 0, stoppedEarly: true, stopReason: 'index-read-failed' });
    expect(failures).toEqual([{ what: 'index', subject: expect.any(String), error: expect.anything() }]);
    expect(await currentCode(table.store, 'INDEX0000001')).toMatchObject({ state: 'active' });
  });

  it('reads back only as far as its look-back; a code left behind it reads as expired all the same', async () => {
    const old = await seedCode('OLD000000001', at(-40 * DAY));
    const recent = await seedCode('OLD000000002', at(-29 * DAY));

    expect(counts(await sweep({ lookBackDays: 30 }))).toEqual({ due: 1, expired: 1, skipped: 0, failed: 0 });
    expect(await currentCode(table.store, recent.serial)).toMatchObject({ state: 'expired' });
    const left = await currentCode(table.store, old.serial);
    expect(left).toEqual(old);
    expect(offlineEmergencyStateOf(left, NOW)).toBe('expired');

    expect(counts(await sweep({ lookBackDays: 60 }))).toEqual({ due: 1, expired: 1, skipped: 0, failed: 0 });
    expect(await currentCode(table.store, old.serial)).toMatchObject({ state: 'expired', sealedCode: null });
  });

  describe('offline download records', () => {
    const record = (agentId: string, validUntil: string | null): OfflineAuthentication => ({
      userId: 'Dana',
      agentId,
      region: 'test-primary',
      authenticatedAt: at(-20 * DAY),
      download: validUntil === null ? null : { downloadedAt: at(-20 * DAY), days: 14, validUntil },
      version: 0,
    });
    const agentsOfDana = async () =>
      (await table.store.listOfflineAuthentications('dana')).map((r) => r.agentId).sort();

    it('removes those that have run out and keeps the live ones and those without a download', async () => {
      const store = table.store;
      await store.saveOfflineAuthentication(record('run-out-long-ago', at(-6 * DAY)));
      await store.saveOfflineAuthentication(record('run-out-now', at(0)));
      await store.saveOfflineAuthentication(record('live', at(1)));
      await store.saveOfflineAuthentication(record('no-download', null));

      const result = await sweep();

      expect(result.downloads).toEqual({ due: 2, removed: 2, skipped: 0, failed: 0 });
      expect(await agentsOfDana()).toEqual(['live', 'no-download']);
      expect((await sweep()).downloads).toEqual({ due: 0, removed: 0, skipped: 0, failed: 0 });
    });

    it('leaves a record refreshed after the index was read, or before its conditional delete', async () => {
      const real = table.store;
      const readLate = await real.saveOfflineAuthentication(record('refreshed-early', at(-HOUR)));
      const writeLate = await real.saveOfflineAuthentication(record('refreshed-late', at(-HOUR)));
      await real.saveOfflineAuthentication(record('stale', at(-HOUR)));
      const refresh = (r: OfflineAuthentication) =>
        real.saveOfflineAuthentication({
          ...r,
          authenticatedAt: NOW.toISOString(),
          download: { downloadedAt: NOW.toISOString(), days: 14, validUntil: at(14 * DAY) },
        });
      const refreshed = new Set<string>();
      const store = storeWith(() => ({
        findRunOutDownloads: async (region, day, now, page) => {
          const found = await real.findRunOutDownloads(region, day, now, page);
          if (found.items.length > 0 && !refreshed.has(readLate.agentId)) {
            refreshed.add(readLate.agentId);
            await refresh(readLate);
          }
          return found;
        },
        getOfflineAuthentication: async (userId, agentId, region) => {
          const found = await real.getOfflineAuthentication(userId, agentId, region);
          if (agentId === writeLate.agentId && !refreshed.has(agentId)) {
            refreshed.add(agentId);
            await refresh(found!);
          }
          return found;
        },
      }));

      const result = await sweep({}, store);

      expect(result.downloads).toEqual({ due: 3, removed: 1, skipped: 2, failed: 0 });
      expect(await agentsOfDana()).toEqual(['refreshed-early', 'refreshed-late']);
    });
  });
});
