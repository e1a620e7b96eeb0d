/**
 * functions/sweep.ts as Lambda runs it, over the demo data: its event, its metrics, and what an expired
 * code looks like afterwards to the administrator's view and to online authentication.
 */
import { currentCode } from '../../support/fixtures';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { viewEmergencyAccessRoute } from '../../../functions/api/contract/admin-routes';
import type { UseCaseDependencies } from '../../../shared/use-cases/context';
import { authenticate } from '../../../shared/use-cases/authenticate';
import { allowOnlineUse, giveOfflineCode, seedDemo, USERS } from '../../support/demo';
import { lambdaContext } from '../../support/events';
import { startTestSystem, type TestSystem } from '../../support/system';

type SweepModule = typeof import('../../../functions/sweep');

const [alice, bob, , dave] = USERS;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let system: TestSystem;
let sweepModule: SweepModule;

/** The module as a cold start loads it, with the system's environment and metrics output switched off. */
function loadSweepModule(): SweepModule {
  Object.assign(process.env, system.env, { POWERTOOLS_METRICS_DISABLED: 'true' });
  let loaded: SweepModule | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module, as at a cold start
    loaded = require('../../../functions/sweep') as SweepModule;
  });
  return loaded!;
}

/** A Metrics instance whose flushes are kept instead of printed. */
function capturedMetrics() {
  const metrics = new Metrics({ namespace: 'EmergencyAccess', serviceName: 'sweep-test' });
  const flushed: Record<string, unknown>[] = [];
  jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => {
    // As the real flush: nothing is written when no metric was added (a refused run).
    const output = metrics.serializeMetrics() as unknown as Record<string, unknown>;
    const named = (output._aws as { CloudWatchMetrics: { Metrics: unknown[] }[] }).CloudWatchMetrics[0]!;
    if (named.Metrics.length > 0) flushed.push(output);
    metrics.clearMetrics();
    return metrics;
  });
  return { metrics, flushed };
}

const depsAt = (offsetMs: number): UseCaseDependencies => ({
  ...system.deps,
  clock: () => new Date(Date.now() + offsetMs),
});

const view = (serial: string) => system.call(viewEmergencyAccessRoute, { params: { serial } });

beforeAll(async () => {
  system = await startTestSystem();
  await seedDemo(system);
  sweepModule = loadSweepModule();
});

afterAll(async () => {
  await system.stop();
});

describe('the sweep function', () => {
  it('runs from the environment as configured at a cold start, as of the clock', async () => {
    const issuedAt = new Date(Date.now() - 15 * DAY);
    await giveOfflineCode(system, bob, 'BOBCODE23', { issuedAt, expiresAt: new Date(Date.now() - DAY) });
    const handler = sweepModule.handler;

    const reply = await handler({}, lambdaContext('sweep'));

    expect(reply).toMatchObject({ expired: 1, failed: 0, stoppedEarly: false, stopReason: 'complete' });
    // Bob's download record ran out a day ago, with the code.
    expect(reply.downloads).toMatchObject({ removed: 1, failed: 0 });
    expect(await currentCode(system.deps.store, bob.serial)).toMatchObject({
      state: 'expired',
      sealedCode: null,
    });
    expect(await system.deps.store.listOfflineAuthentications(bob.userId)).toEqual([]);
  });

  it('publishes its counts as metrics, and returns them', async () => {
    await giveOfflineCode(system, dave, 'DAVECODE7', { expiresAt: new Date(Date.now() + HOUR) });
    const { metrics, flushed } = capturedMetrics();
    const handler = sweepModule.createHandler(depsAt(2 * HOUR), { metrics });

    const reply = await handler({}, lambdaContext('sweep'));

    expect(reply).toMatchObject({ due: 1, expired: 1, skipped: 0, failed: 0 });
    expect(flushed).toHaveLength(1);
    const emf = flushed[0]!;
    expect(emf).toMatchObject({
      Due: 1,
      Expired: 1,
      Skipped: 0,
      Failed: 0,
      DownloadsDue: 0,
      StoppedEarly: 0,
      _aws: { CloudWatchMetrics: [expect.objectContaining({ Namespace: 'EmergencyAccess' })] },
    });
  });

  it('runs as of an earlier `now` from the event, and refuses one ahead of the clock or malformed', async () => {
    const { metrics, flushed } = capturedMetrics();
    const handler = sweepModule.createHandler(depsAt(0), { metrics });
    const earlier = new Date(Date.now() - DAY).toISOString();

    await expect(handler({ now: earlier }, lambdaContext('sweep'))).resolves.toMatchObject({
      now: earlier,
      due: 0,
    });
    const ahead = new Date(Date.now() + DAY).toISOString();
    await expect(handler({ now: ahead }, lambdaContext('sweep'))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(handler({ now: 'tomorrow' }, lambdaContext('sweep'))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(flushed).toHaveLength(1);
  });

  it('stops before the Lambda timeout, keeping its margin, and the next run goes on', async () => {
    await giveOfflineCode(system, dave, 'DAVECODE8', {
      generation: 2,
      expiresAt: new Date(Date.now() - HOUR),
    });
    const { metrics, flushed } = capturedMetrics();
    const handler = sweepModule.createHandler(depsAt(0), {
      metrics,
      settings: { timeMarginMs: 60_000 },
    });
    const context = { ...lambdaContext('sweep'), getRemainingTimeInMillis: () => 30_000 };

    const reply = await handler({}, context);

    expect(reply).toMatchObject({ due: 0, stoppedEarly: true, stopReason: 'deadline' });
    expect(flushed[0]).toMatchObject({ StoppedEarly: 1 });
    expect(await currentCode(system.deps.store, dave.serial)).toMatchObject({ state: 'active' });

    const next = sweepModule.createHandler(depsAt(0), { metrics });
    expect(await next({}, lambdaContext('sweep'))).toMatchObject({ due: 1, expired: 1, stoppedEarly: false });
  });
});

describe('a code the sweep expired', () => {
  const CODE = 'K7QM2XHP';

  beforeAll(async () => {
    await giveOfflineCode(system, alice, CODE, { expiresAt: new Date(Date.now() + HOUR) });
    await allowOnlineUse(system, alice.serial);
  });

  // The view and online authentication run on the real clock, an hour before the code's expiry: only the
  // sweep's write can make them see it expired.
  it('reads as expired in the administrator’s view, with no code shown, and is refused online', async () => {
    const before = await view(alice.serial);
    expect(before.body.offline).toMatchObject({ state: 'active', tokencode: CODE, generation: 1 });
    const online = () =>
      authenticate(
        system.deps,
        { agentId: 'win-agent-1', requestId: `req-${Date.now()}` },
        { userId: alice.userId, passcode: `${alice.pin}${CODE}` },
      );
    expect(await online()).toMatchObject({ outcome: 'accept', method: 'emergency-access' });

    const sweep = sweepModule.createHandler(depsAt(2 * HOUR), { metrics: capturedMetrics().metrics });
    expect(await sweep({}, lambdaContext('sweep'))).toMatchObject({ expired: 1, failed: 0 });

    const after = await view(alice.serial);
    expect(after.status).toBe(200);
    expect(after.body.offline).toMatchObject({
      state: 'expired',
      tokencode: null,
      generation: 1,
      expiresAt: before.body.offline.expiresAt,
    });
    expect(after.body.eligibility).toEqual({ eligible: true, reasons: [] });
    expect(after.raw).not.toContain(CODE);

    expect(await online()).toMatchObject({ outcome: 'reject', method: null, offlineData: null });
    const audit = (await system.deps.store.listAudit(alice.serial, { limit: 20 })).items;
    const logins = audit.filter((e) => e.action === 'authenticate.emergency-access');
    expect(logins.map((e) => e.outcome)).toEqual(['denied', 'success']);
    expect(logins[0]).toMatchObject({
      action: 'authenticate.emergency-access',
      outcome: 'denied',
      details: { reason: 'NO_ACTIVE_CODE' },
    });
    expect(audit.find((e) => e.action === 'emergency-access.expired')).toMatchObject({
      actor: 'sweep',
      outcome: 'success',
      details: { generation: 1 },
    });
  });
});
