import { runPool } from '../../../../shared/use-cases/promise-pool';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('runPool', () => {
  it('works every item, in order, never more than `concurrency` at once', async () => {
    let running = 0;
    let highest = 0;
    const started: number[] = [];
    const count = await runPool([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      started.push(item);
      running += 1;
      highest = Math.max(highest, running);
      for (let i = 0; i < 8 - item; i++) await tick();
      running -= 1;
    });
    expect(count).toBe(7);
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(highest).toBe(3);
  });

  it('starts nothing more once `mayStart` says no, and lets the items under way finish', async () => {
    const finished: number[] = [];
    let allowed = 4;
    const count = await runPool(
      [1, 2, 3, 4, 5, 6, 7, 8],
      2,
      async (item) => {
        await tick();
        finished.push(item);
      },
      () => allowed-- > 0,
    );
    expect(count).toBe(4);
    expect(finished.sort()).toEqual([1, 2, 3, 4]);
  });

  it('rejects with the first failure of `work` after the others settle, starting no more', async () => {
    const finished: number[] = [];
    const run = runPool([1, 2, 3, 4, 5, 6], 2, async (item) => {
      await tick();
      if (item === 2) throw new Error('boom');
      await tick();
      finished.push(item);
    });
    await expect(run).rejects.toThrow('boom');
    expect(finished).toEqual([1]);
  });

  it('does nothing for no items, and refuses a concurrency that is not a positive integer', async () => {
    await expect(runPool([], 4, async () => undefined)).resolves.toBe(0);
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      await expect(runPool([1], concurrency, async () => undefined)).rejects.toThrow(RangeError);
    }
  });
});
