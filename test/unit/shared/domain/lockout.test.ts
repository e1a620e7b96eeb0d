import fc from 'fast-check';
import {
  countFailure,
  countSuccess,
  EMERGENCY_ACCESS_FAILURE_LIMIT,
  isSpentStep,
  mergeCounters,
  ownCounters,
  TOKENCODE_FAILURE_LIMIT,
  unlock,
} from '../../../../shared/domain/lockout';
import type { RegionalCounters } from '../../../../shared/domain/model';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const SERIAL = '000100000001';
const TOKENCODE = { tokencode: true, emergencyAccess: false };
const CODE = { tokencode: false, emergencyAccess: true };

/**
 * Regions of a global table, each holding copies of every region's lockout item. A region writes only
 * its own item; `replicate` copies an item as global tables do (each item has one writer, so no conflict).
 */
class Regions {
  readonly views = new Map<string, Map<string, RegionalCounters>>();

  constructor(readonly names: readonly string[]) {
    for (const name of names) this.views.set(name, new Map());
  }

  items(region: string): RegionalCounters[] {
    return [...this.views.get(region)!.values()];
  }

  private write(
    region: string,
    change: (items: RegionalCounters[], own: RegionalCounters) => RegionalCounters,
  ) {
    const items = this.items(region);
    this.views.get(region)!.set(region, change(items, ownCounters(items, SERIAL, region)));
  }

  fail(region: string, failed = TOKENCODE) {
    this.write(region, (items, own) => countFailure(items, own, failed, NOW));
  }

  succeed(region: string, step: number | null = null) {
    this.write(region, (items, own) => countSuccess(items, own, step, NOW));
  }

  unlock(region: string) {
    this.write(region, unlock);
  }

  replicate(from: string, to: string) {
    const item = this.views.get(from)!.get(from);
    if (item !== undefined) this.views.get(to)!.set(from, item);
  }

  replicateAll() {
    for (const from of this.names) for (const to of this.names) if (from !== to) this.replicate(from, to);
  }

  seen(region: string) {
    return mergeCounters(SERIAL, this.items(region));
  }
}

describe('lockout counters in one region', () => {
  it('are well under the NIST ceiling of 100 consecutive failures', () => {
    expect(TOKENCODE_FAILURE_LIMIT).toBe(10);
    expect(EMERGENCY_ACCESS_FAILURE_LIMIT).toBe(5);
  });

  it('lock at exactly the tokencode limit, counting the emergency code apart', () => {
    const one = new Regions(['a']);
    for (let i = 0; i < TOKENCODE_FAILURE_LIMIT - 1; i++) one.fail('a');
    expect(one.seen('a')).toMatchObject({ tokencodeFailures: 9, locked: false, lockedAt: null });
    one.fail('a');
    expect(one.seen('a')).toMatchObject({
      tokencodeFailures: 10,
      emergencyAccessFailures: 0,
      locked: true,
      lockedAt: NOW.toISOString(),
    });
  });

  it('lock at exactly the emergency code limit', () => {
    const one = new Regions(['a']);
    for (let i = 0; i < EMERGENCY_ACCESS_FAILURE_LIMIT - 1; i++) one.fail('a', CODE);
    expect(one.seen('a').locked).toBe(false);
    one.fail('a', CODE);
    expect(one.seen('a')).toMatchObject({ tokencodeFailures: 0, emergencyAccessFailures: 5, locked: true });
  });

  it('start again on success, and spend accepted steps', () => {
    const one = new Regions(['a']);
    for (let i = 0; i < 3; i++) one.fail('a', { tokencode: true, emergencyAccess: true });
    one.succeed('a', 500);
    const seen = one.seen('a');
    expect(seen).toMatchObject({ tokencodeFailures: 0, emergencyAccessFailures: 0, lastAcceptedStep: 500 });
    expect(isSpentStep(seen, 500)).toBe(true);
    expect(isSpentStep(seen, 499)).toBe(true);
    expect(isSpentStep(seen, 501)).toBe(false);
    one.succeed('a', null);
    expect(one.seen('a').lastAcceptedStep).toBe(500);
    expect(isSpentStep(new Regions(['b']).seen('b'), 0)).toBe(false);
  });

  it('unlock clears both counts and the lock; a lock needs fresh failures to come back', () => {
    const one = new Regions(['a']);
    for (let i = 0; i < TOKENCODE_FAILURE_LIMIT; i++)
      one.fail('a', { tokencode: true, emergencyAccess: true });
    one.unlock('a');
    expect(one.seen('a')).toMatchObject({
      tokencodeFailures: 0,
      emergencyAccessFailures: 0,
      locked: false,
      lockedAt: null,
      unlockEpoch: 1,
    });
    for (let i = 0; i < TOKENCODE_FAILURE_LIMIT; i++) one.fail('a');
    expect(one.seen('a')).toMatchObject({ locked: true, tokencodeFailures: 10 });
  });
});

describe('lockout counters across regions', () => {
  it('keep a lock made in one region when another counts a failure on its stale view (finding 1)', () => {
    const regions = new Regions(['a', 'b']);
    for (let i = 0; i < TOKENCODE_FAILURE_LIMIT; i++) regions.fail('a');
    regions.fail('b'); // b has not seen a's failures yet
    regions.replicateAll();
    for (const region of ['a', 'b']) {
      expect(regions.seen(region)).toMatchObject({ locked: true, tokencodeFailures: 11 });
    }
  });

  it('forget only the failures a success saw: a concurrent failure elsewhere still counts', () => {
    const regions = new Regions(['a', 'b']);
    for (let i = 0; i < 4; i++) regions.fail('a');
    regions.replicateAll();
    for (let i = 0; i < 5; i++) regions.fail('b'); // not yet seen by a
    regions.succeed('a');
    regions.replicateAll();
    expect(regions.seen('a').tokencodeFailures).toBe(5);
    expect(regions.seen('b').tokencodeFailures).toBe(5);
  });

  it('keep a token locked when an unlock did not see the failures behind the lock, until an unlock that did', () => {
    const regions = new Regions(['a', 'b']);
    for (let i = 0; i < TOKENCODE_FAILURE_LIMIT; i++) regions.fail('b');
    regions.unlock('a'); // concurrent: a has seen none of b's failures
    regions.replicateAll();
    expect(regions.seen('a')).toMatchObject({ locked: true, tokencodeFailures: 10 });
    regions.unlock('a');
    regions.replicateAll();
    expect(regions.seen('b')).toMatchObject({ locked: false, tokencodeFailures: 0, unlockEpoch: 2 });
  });

  it('refuse a step accepted in another region once replicated', () => {
    const regions = new Regions(['a', 'b']);
    regions.succeed('a', 900);
    regions.replicate('a', 'b');
    expect(isSpentStep(regions.seen('b'), 900)).toBe(true);
  });

  it('never undercount: after replication the count is every failure no success or unlock saw', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('fail' as const), region: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ kind: fc.constant('succeed' as const), region: fc.constantFrom('a', 'b', 'c') }),
      fc.record({
        kind: fc.constant('replicate' as const),
        from: fc.constantFrom('a', 'b', 'c'),
        to: fc.constantFrom('a', 'b', 'c'),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const regions = new Regions(['a', 'b', 'c']);
        // For each failure, whether a success that had seen it happened: the model of "consecutive".
        const failures: { region: string; index: number; forgotten: boolean }[] = [];
        const perRegion = new Map<string, number>();
        const known = new Map(['a', 'b', 'c'].map((r) => [r, new Map<string, number>()]));
        for (const o of ops) {
          if (o.kind === 'fail') {
            const index = (perRegion.get(o.region) ?? 0) + 1;
            perRegion.set(o.region, index);
            known.get(o.region)!.set(o.region, index);
            failures.push({ region: o.region, index, forgotten: false });
            regions.fail(o.region);
          } else if (o.kind === 'succeed') {
            if (regions.seen(o.region).locked) continue;
            for (const f of failures)
              if ((known.get(o.region)!.get(f.region) ?? 0) >= f.index) f.forgotten = true;
            regions.succeed(o.region);
          } else if (o.from !== o.to) {
            const count = known.get(o.from)!.get(o.from) ?? 0;
            if (count > (known.get(o.to)!.get(o.from) ?? 0)) known.get(o.to)!.set(o.from, count);
            regions.replicate(o.from, o.to);
          }
        }
        regions.replicateAll();
        const expected = failures.filter((f) => !f.forgotten).length;
        for (const region of ['a', 'b', 'c']) expect(regions.seen(region).tokencodeFailures).toBe(expected);
      }),
    );
  });
});
