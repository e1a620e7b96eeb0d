/**
 * What eventual consistency leaves open, measured: a tokencode step or a single-use code accepted in one
 * region can be accepted again in another only until the first acceptance has replicated there. Each
 * replay waits a little longer after the first acceptance; the test checks that a replay is accepted only
 * while the other region has not yet received the acceptance, and refused once it has, and it prints how
 * long after the start of the accepting login the last replay got through (`npm run test:regions` writes it to
 * bench/results/regions-windows.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeBase32, totp } from '../../../shared/domain/totp';
import { authenticate } from '../../../shared/use-cases/authenticate';
import type { UseCaseDependencies } from '../../../shared/use-cases/context';
import { changeEmergencyAccess, viewEmergencyAccess } from '../../../shared/use-cases/emergency-access';
import {
  ALICE,
  createTestKeys,
  seedToken,
  startTestRegions,
  type TestKeys,
  type TestRegions,
} from './regions';
import { emergencyAccessPageOf } from '../../../functions/api/views';

/** Longer than a login takes here, so that a replay can come before the replication of its acceptance. */
const DELAY_MS = 2_000;
/** A replay made while the two regions are partitioned, then none or a series of timed ones. */
const PARTITIONED = -1;
/** The long run (`npm run test:regions`) waits in steps across the delay; `npm test` before it and past it. */
const WAITS_MS =
  process.env.REGIONS_REPORT === undefined
    ? [PARTITIONED]
    : [PARTITIONED, 0, 0, 500, 1_000, 1_500, 2_500, 3_000];
const ADMIN = { id: 'admin', domains: '*' as const, requestId: 'req-admin' };

interface Trial {
  waitedMs: number;
  sinceAcceptMs: number;
  accepted: boolean;
}

let keys: TestKeys;
let world: TestRegions;
let a: UseCaseDependencies;
let b: UseCaseDependencies;
let c: UseCaseDependencies;
const clock = { now: Math.floor(Date.now() / 60_000) * 60_000 + 20_000 };
const figures: Record<string, unknown> = { replicationDelayMs: DELAY_MS };

beforeAll(async () => {
  keys = await createTestKeys();
  world = await startTestRegions({
    names: ['region-a', 'region-b', 'region-c'],
    ...keys,
    clock: () => new Date((clock.now += 1)),
    delayMs: DELAY_MS,
  });
  [a, b, c] = world.regions.map((r) => r.deps) as [
    UseCaseDependencies,
    UseCaseDependencies,
    UseCaseDependencies,
  ];
  await seedToken(world.regions[0]!, keys.token, 3);
  await world.replicator.settle();
});

afterAll(async () => {
  await world.stop();
  keys.dispose();
  process.stdout.write(`replay windows: ${JSON.stringify(figures)}\n`);
  const report = process.env.REGIONS_REPORT;
  if (report !== undefined) {
    mkdirSync(dirname(report), { recursive: true });
    writeFileSync(join(dirname(report), 'regions-windows.json'), `${JSON.stringify(figures, null, 2)}\n`);
  }
});

const login = (deps: UseCaseDependencies, agent: number, passcode: string) =>
  authenticate(
    deps,
    { agentId: `agent-${agent}`, requestId: `req-${agent}` },
    { userId: ALICE.userId, passcode },
  );
const freshTokencode = () => {
  clock.now += 60_000;
  return ALICE.pin + totp(decodeBase32(ALICE.seed), new Date(clock.now));
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Accepts in A, waits (or cuts B off from the other regions), replays in B; `reached` says whether A's
 * acceptance has reached B. A replay must be refused if it had reached B before the replay, and accepted
 * if it had not even after it. Once replication has settled, a replay in C (which never accepted it
 * itself) must be refused.
 */
async function trial(
  waitedMs: number,
  accept: () => Promise<string>,
  replay: (deps: UseCaseDependencies, passcode: string) => Promise<boolean>,
  reached: () => Promise<boolean>,
): Promise<Trial> {
  if (waitedMs === PARTITIONED) world.replicator.hold('region-b');
  // From the start of the accepting login: its write comes later, so the figures are upper bounds.
  const acceptedAt = Date.now();
  const passcode = await accept();
  await sleep(Math.max(0, waitedMs));
  const before = await reached();
  const sinceAcceptMs = Date.now() - acceptedAt;
  const accepted = await replay(b, passcode);
  const after = await reached();
  if (before) expect(accepted).toBe(false);
  if (!after) expect(accepted).toBe(true);
  if (waitedMs === PARTITIONED)
    expect({ before, after, accepted }).toEqual({ before: false, after: false, accepted: true });
  world.replicator.release();
  await world.replicator.settle();
  expect(await replay(c, passcode)).toBe(false);
  return { waitedMs, sinceAcceptMs, accepted };
}

/** The timed replays (the partitioned one says only that a partition keeps the window open). */
function summary(all: Trial[]) {
  const trials = all.filter((t) => t.waitedMs !== PARTITIONED);
  const accepted = trials.filter((t) => t.accepted).map((t) => t.sinceAcceptMs);
  const refused = trials.filter((t) => !t.accepted).map((t) => t.sinceAcceptMs);
  return {
    trials: trials.length,
    acceptedAgain: accepted.length,
    longestAcceptedAgainMs: accepted.length === 0 ? null : Math.max(...accepted),
    shortestRefusedMs: refused.length === 0 ? null : Math.min(...refused),
  };
}

it('accepts a tokencode step again in another region only until the acceptance has replicated there', async () => {
  const trials: Trial[] = [];
  for (const waited of WAITS_MS) {
    let step = 0;
    trials.push(
      await trial(
        waited,
        async () => {
          const passcode = freshTokencode();
          step = Math.floor(clock.now / 60_000);
          expect((await login(a, 0, passcode)).outcome).toBe('accept');
          return passcode;
        },
        async (deps, passcode) => (await login(deps, 1, passcode)).outcome === 'accept',
        // Region A's lockout item as B holds it (B's own acceptance writes B's item, not A's).
        async () => {
          const { counters } = (await b.store.getTokenState(ALICE.serial))!.items;
          return (counters.find((i) => i.region === 'region-a')?.lastAcceptedStep ?? 0) >= step;
        },
      ),
    );
  }
  figures.tokencodeStep = summary(trials);
});

it('accepts a single-use code again in another region only until its spending has replicated there', async () => {
  // A code, allowed online, known everywhere.
  expect((await login(a, 0, freshTokencode())).outcome).toBe('accept');
  await changeEmergencyAccess(a, ADMIN, ALICE.serial, { onlineUseAllowed: true }, undefined);
  await world.replicator.settle();

  const trials: Trial[] = [];
  for (const waited of WAITS_MS) {
    let generation = 0;
    let spentAt: string | null = null;
    trials.push(
      await trial(
        waited,
        async () => {
          const page = emergencyAccessPageOf(await viewEmergencyAccess(a, ADMIN, ALICE.serial)).offline;
          generation = page.generation;
          const passcode = ALICE.pin + page.tokencode!;
          expect(await login(a, 0, passcode)).toMatchObject({
            outcome: 'accept',
            method: 'emergency-access',
          });
          spentAt = (await a.store.getIssuedCode(ALICE.serial, generation))!.usedAt;
          return passcode;
        },
        async (deps, passcode) => (await login(deps, 1, passcode)).outcome === 'accept',
        // A's spending as B holds it (B's own acceptance spends it at another time).
        async () => (await b.store.getIssuedCode(ALICE.serial, generation))?.usedAt === spentAt,
      ),
    );
    // The next code: a login replaces the spent one.
    expect((await login(a, 0, freshTokencode())).outcome).toBe('accept');
    await world.replicator.settle();
  }
  figures.singleUseCode = summary(trials);
});
