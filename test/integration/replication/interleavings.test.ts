/**
 * Random interleavings across regions (fast-check): administrators' changes (Save, online use, reset,
 * disable and enable, PIN, assignment), logins (right, wrong, replayed, with the emergency code), unlocks
 * and sweeps, made in two or three regions fed by the local last-writer-wins replicator with random
 * delays and partitions (replication held, then released). After quiescence it checks that:
 *
 * - every region holds the same items;
 * - no change was lost except to a later change of the same fact (the last write of a fact wins, or,
 *   when regions wrote it concurrently, one of their last writes, by docs/design.md's merge rule), and no
 *   reset was lost;
 * - a token seen locked stays locked until an unlock;
 * - a tokencode step or a single-use code accepted twice was accepted in two regions within one
 *   replication window, never in one region and never after replication (the window is counted);
 * - every region's agent ends with the winning code, which the help desk sees.
 *
 * `npm test` runs a short version; `npm run test:regions` the long one (README, RELIABILITY.md), which
 * writes its figures to bench/results/regions.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseOfflineData, verifyOfflinePasscode } from '../../../shared/agent';
import { isAppError } from '../../../shared/domain/errors';
import { decodeBase32, totp } from '../../../shared/domain/totp';
import { authenticate } from '../../../shared/use-cases/authenticate';
import type { AdminActor } from '../../../shared/use-cases/context';
import { changeEmergencyAccess, viewEmergencyAccess } from '../../../shared/use-cases/emergency-access';
import { assignToken, setPin, setTokenEnabled, unassignToken } from '../../../shared/use-cases/management';
import { sweepExpired } from '../../../shared/use-cases/sweep-expired';
import { unlockToken } from '../../../shared/use-cases/unlock';
import {
  ALICE,
  createTestKeys,
  seedToken,
  startTestRegions,
  type TestKeys,
  type TestRegions,
} from './regions';
import { statusOf } from '../../../functions/api/contract/statuses';

const { serial: SERIAL, pin: PIN, seed: SEED } = ALICE;
const USER = {
  userId: ALICE.userId,
  firstName: ALICE.firstName,
  lastName: ALICE.lastName,
  securityDomain: ALICE.securityDomain,
};

const RUNS = Number(process.env.REGIONS_RUNS ?? 3);
const MAX_OPS = Number(process.env.REGIONS_MAX_OPS ?? 16);
const REPORT = process.env.REGIONS_REPORT;

const DAY = 86_400_000;
const NAMES = ['region-a', 'region-b', 'region-c'];

type Op =
  | { kind: 'save'; region: number; reset: boolean; onlineUse: boolean | null }
  | { kind: 'enabled'; region: number; value: boolean }
  | { kind: 'pin'; region: number }
  | { kind: 'assigned'; region: number; value: boolean }
  | { kind: 'login'; region: number; passcode: 'right' | 'wrong' | 'replay' | 'code' }
  | { kind: 'unlock'; region: number }
  | { kind: 'sweep'; region: number }
  | { kind: 'jump' }
  | { kind: 'hold'; from: number; to: number }
  | { kind: 'pause'; ms: number }
  | { kind: 'settle' };

const region = fc.integer({ min: 0, max: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('save' as const),
      region,
      reset: fc.boolean(),
      onlineUse: fc.constantFrom(true, false, null),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('enabled' as const), region, value: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pin' as const), region }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('assigned' as const), region, value: fc.boolean() }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('login' as const),
      region,
      passcode: fc.constantFrom('right', 'right', 'wrong', 'replay', 'code') as fc.Arbitrary<
        'right' | 'wrong' | 'replay' | 'code'
      >,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unlock' as const), region }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const), region }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('jump' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('hold' as const), from: region, to: region }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 400 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
);
const scenario = fc.record({
  regions: fc.constantFrom(2, 3),
  delayMs: fc.integer({ min: 0, max: 300 }),
  ops: fc.array(op, { minLength: 4, maxLength: MAX_OPS, size: 'max' }),
});
type Scenario = { regions: number; delayMs: number; ops: Op[] };

/** What happened, in the order it happened (`seq`), and between which settles (`epoch`). */
interface Journal {
  seq: number;
  epoch: number;
  writes: { fact: 'enabled' | 'onlineUse' | 'pinSet'; value: boolean; region: number; epoch: number }[];
  resets: { generation: number }[];
  lockSeen: number | null;
  unlockedAt: number | null;
  steps: { step: number; region: number; epoch: number }[];
  codes: { code: string; region: number; epoch: number }[];
  delivered: Map<number, { generation: number; issueId: string }>;
  partitions: number;
}

const figures = {
  interleavings: 0,
  operations: 0,
  partitions: 0,
  regions: { two: 0, three: 0 },
  lostChanges: 0,
  lockoutBypasses: 0,
  divergentItems: 0,
  replaysAcceptedInWindow: 0,
  replaysAcceptedOutsideWindow: 0,
  singleUseCodesReusedInWindow: 0,
  singleUseCodesReusedOutsideWindow: 0,
  agentsWithoutWinningCode: 0,
};

const actorIn = (r: number): AdminActor => ({ id: `admin-${r}`, domains: '*', requestId: `req-${r}` });
const agentIn = (r: number) => ({ agentId: `agent-${r}`, requestId: `req-agent-${r}` });
/** Whether a refusal is one the contract allows (a 4xx with a code), not a failure of the system. */
const refused = (error: unknown) => isAppError(error) && statusOf(error.code) < 500;

let keys: TestKeys;

beforeAll(async () => {
  keys = await createTestKeys();
});

afterAll(() => {
  keys.dispose();
  if (REPORT !== undefined) {
    mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
    writeFileSync(REPORT, `${JSON.stringify(figures, null, 2)}\n`);
  }
  process.stdout.write(`regions harness: ${JSON.stringify(figures)}\n`);
});

class Clock {
  now = Math.floor(Date.now() / 60_000) * 60_000 + 20_000;
  readonly read = () => new Date((this.now += 1));
}

/** Runs one operation, noting what it changed; refusals a client can get (4xx) are part of the game. */
async function apply(
  world: TestRegions,
  clock: Clock,
  journal: Journal,
  o: Op,
  last: { passcode: string | null; step: number },
) {
  const seq = ++journal.seq;
  const r = 'region' in o ? o.region % world.regions.length : 0;
  const site = world.regions[r]!;
  const deps = site.deps;
  const before = async () => (await deps.store.getTokenState(SERIAL))!;
  const note = (fact: Journal['writes'][number]['fact'], value: boolean) =>
    journal.writes.push({ fact, value, region: r, epoch: journal.epoch });
  try {
    switch (o.kind) {
      case 'save': {
        const state = await before();
        if (!o.reset && o.onlineUse === null) return;
        await changeEmergencyAccess(
          deps,
          actorIn(r),
          SERIAL,
          {
            ...(o.reset ? { resetOffline: true as const } : {}),
            ...(o.onlineUse !== null ? { onlineUseAllowed: o.onlineUse } : {}),
          },
          undefined,
        );
        if (o.onlineUse !== null && o.onlineUse !== state.settings.onlineUseAllowed)
          note('onlineUse', o.onlineUse);
        if (o.reset) journal.resets.push({ generation: state.issued?.generation ?? 0 });
        return;
      }
      case 'enabled': {
        const state = await before();
        await setTokenEnabled(deps, actorIn(r), SERIAL, o.value, undefined);
        if (state.token.enabled !== o.value) note('enabled', o.value);
        return;
      }
      case 'pin':
        await setPin(deps, actorIn(r), SERIAL, PIN, undefined);
        note('pinSet', true);
        return;
      case 'assigned': {
        const state = await before();
        if (o.value) {
          await assignToken(deps, actorIn(r), SERIAL, USER.userId, undefined);
        } else {
          await unassignToken(deps, actorIn(r), SERIAL, undefined);
          if (state.token.user !== null) {
            if (state.token.pinVerifier !== null) note('pinSet', false);
            if (state.settings.onlineUseAllowed) note('onlineUse', false);
            if (state.issued !== null) journal.resets.push({ generation: state.issued.generation });
          }
        }
        return;
      }
      case 'login': {
        let passcode: string;
        let step = last.step;
        let code: string | null = null;
        if (o.passcode === 'right') {
          clock.now += 60_000;
          step = Math.floor(clock.now / 60_000);
          passcode = PIN + totp(decodeBase32(SEED), new Date(clock.now));
        } else if (o.passcode === 'replay' && last.passcode !== null) {
          passcode = last.passcode;
        } else if (o.passcode === 'code') {
          code = (await viewEmergencyAccess(deps, actorIn(r), SERIAL)).tokencode;
          passcode = PIN + (code ?? 'ABCDEFGHJKLM');
        } else {
          passcode = `${PIN}000000`;
        }
        const held = journal.delivered.get(r);
        const result = await authenticate(deps, agentIn(r), {
          userId: USER.userId,
          passcode,
          ...(held ? { heldOffline: held } : {}),
        });
        if (result.outcome === 'locked') journal.lockSeen = seq;
        if (result.outcome === 'accept') {
          if (result.method === 'tokencode') {
            journal.steps.push({ step, region: r, epoch: journal.epoch });
            last.passcode = passcode;
            last.step = step;
          } else if (code !== null) {
            journal.codes.push({ code, region: r, epoch: journal.epoch });
          }
          const emergency = result.offlineData?.emergencyAccess;
          if (emergency)
            journal.delivered.set(r, { generation: emergency.generation, issueId: emergency.issueId! });
        } else if ((await before()).lockout.locked) {
          journal.lockSeen = seq;
        }
        return;
      }
      case 'unlock': {
        const details = await unlockToken(deps, actorIn(r), SERIAL);
        if (!details.lockout.locked) journal.unlockedAt = seq;
        return;
      }
      case 'sweep':
        await sweepExpired(deps, { now: new Date(clock.now) });
        return;
      case 'jump':
        clock.now += 15 * DAY;
        return;
      case 'hold': {
        const [from, to] = [o.from % world.regions.length, o.to % world.regions.length];
        if (from === to) return;
        world.replicator.hold(NAMES[from], NAMES[to]);
        journal.partitions += 1;
        return;
      }
      case 'pause':
        await new Promise((resolve) => setTimeout(resolve, o.ms));
        return;
      case 'settle':
        world.replicator.release();
        await world.replicator.settle();
        journal.epoch += 1;
        return;
    }
  } catch (error) {
    if (!refused(error)) throw error;
  }
}

/** For each fact: the final value is the last write's, or one of the regions' last writes when they raced. */
function lostChanges(journal: Journal, final: Record<'enabled' | 'onlineUse' | 'pinSet', boolean>): string[] {
  const lost: string[] = [];
  for (const fact of ['enabled', 'onlineUse', 'pinSet'] as const) {
    const writes = journal.writes.filter((w) => w.fact === fact);
    if (writes.length === 0) continue;
    const epoch = writes[writes.length - 1]!.epoch;
    const lastPerRegion = new Map<number, boolean>();
    for (const w of writes) if (w.epoch === epoch) lastPerRegion.set(w.region, w.value);
    if (![...lastPerRegion.values()].includes(final[fact]))
      lost.push(`${fact}: ${final[fact]} after ${JSON.stringify([...lastPerRegion])}`);
  }
  return lost;
}

async function runScenario(s: Scenario): Promise<void> {
  const clock = new Clock();
  const world = await startTestRegions({
    names: NAMES.slice(0, s.regions),
    ...keys,
    clock: clock.read,
    delayMs: s.delayMs,
  });
  try {
    await seedToken(world.regions[0]!, keys.token, 3);
    await world.replicator.settle();
    const journal: Journal = {
      seq: 0,
      epoch: 0,
      writes: [],
      resets: [],
      lockSeen: null,
      unlockedAt: null,
      steps: [],
      codes: [],
      delivered: new Map(),
      partitions: 0,
    };
    const last = { passcode: null as string | null, step: 0 };
    for (const o of s.ops) await apply(world, clock, journal, o, last);
    world.replicator.release();
    await world.replicator.settle();

    figures.interleavings += 1;
    figures.operations += s.ops.length;
    figures.partitions += journal.partitions;
    figures.regions[s.regions === 2 ? 'two' : 'three'] += 1;

    // Every region holds the same items.
    const contents = await world.contents();
    const divergent = contents.filter((c) => c !== contents[0]).length;
    figures.divergentItems += divergent;
    expect(divergent).toBe(0);

    const states = await Promise.all(world.regions.map((w) => w.deps.store.getTokenState(SERIAL)));
    const final = states[0]!;
    for (const state of states) expect(state).toEqual(final);

    // No change lost but to a later change of the same fact; no reset lost.
    const lost = lostChanges(journal, {
      enabled: final.token.enabled,
      onlineUse: final.settings.onlineUseAllowed,
      pinSet: final.token.pinVerifier !== null,
    });
    for (const reset of journal.resets) {
      const done = (final.issued?.generation ?? 0) > reset.generation;
      const pending = (final.settings.resetRequestedAtGeneration ?? -1) >= reset.generation;
      if (!done && !pending) lost.push(`reset at generation ${reset.generation}`);
    }
    figures.lostChanges += lost.length;
    expect(lost).toEqual([]);

    // A token seen locked stays locked until an unlock.
    const bypassed =
      journal.lockSeen !== null && (journal.unlockedAt ?? 0) < journal.lockSeen && !final.lockout.locked;
    if (bypassed) figures.lockoutBypasses += 1;
    expect(bypassed).toBe(false);

    // A step or a single-use code accepted twice: in two regions within one replication window only.
    for (const [list, inWindow, outside] of [
      [
        journal.steps.map((x) => ({ key: x.step, ...x })),
        'replaysAcceptedInWindow',
        'replaysAcceptedOutsideWindow',
      ],
      [
        journal.codes.map((x) => ({ key: x.code, ...x })),
        'singleUseCodesReusedInWindow',
        'singleUseCodesReusedOutsideWindow',
      ],
    ] as const) {
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          const [x, y] = [list[i]!, list[j]!];
          if (x.key !== y.key) continue;
          const window = x.region !== y.region && x.epoch === y.epoch;
          figures[window ? inWindow : outside] += 1;
          expect(window).toBe(true);
        }
      }
    }

    // Every agent ends with the winning code: bring the token back into use, then each agent logs in.
    const home = world.regions[0]!.deps;
    await unlockToken(home, actorIn(0), SERIAL);
    await setTokenEnabled(home, actorIn(0), SERIAL, true, undefined);
    await assignToken(home, actorIn(0), SERIAL, USER.userId, undefined);
    if ((await home.store.getTokenState(SERIAL))!.token.pinVerifier === null) {
      await setPin(home, actorIn(0), SERIAL, PIN, undefined);
    }
    await world.replicator.settle();
    const data = new Map<number, unknown>();
    for (const [r, site] of world.regions.entries()) {
      clock.now += 60_000;
      const held = journal.delivered.get(r);
      const result = await authenticate(site.deps, agentIn(r), {
        userId: USER.userId,
        passcode: PIN + totp(decodeBase32(SEED), new Date(clock.now)),
        ...(held ? { heldOffline: held } : {}),
      });
      expect(result.outcome).toBe('accept');
      data.set(r, result.offlineData);
      await world.replicator.settle();
    }
    const winner = (await home.store.getTokenState(SERIAL))!.issued!;
    const shown = (await viewEmergencyAccess(home, actorIn(0), SERIAL)).tokencode!;
    for (const [r, offline] of data) {
      const parsed = parseOfflineData(offline);
      const ok =
        parsed.emergencyAccess?.issueId === winner.issueId &&
        (await verifyOfflinePasscode(parsed, PIN + shown, { at: new Date(clock.now) })).outcome === 'accept';
      if (!ok) figures.agentsWithoutWinningCode += 1;
      expect({ region: r, ok }).toEqual({ region: r, ok: true });
    }
  } finally {
    await world.stop();
  }
}

// A hang limit that grows with the number of runs asked for, not a speed check.
const HANG_LIMIT_MS = Math.max(180_000, RUNS * 90_000);

it(
  'keeps every change, lock and spent code across regions under random interleavings and partitions',
  async () => {
    await fc.assert(fc.asyncProperty(scenario, runScenario), { numRuns: RUNS, endOnFailure: true });
  },
  HANG_LIMIT_MS,
);
