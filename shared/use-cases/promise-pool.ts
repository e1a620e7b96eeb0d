/**
 * Runs `work` over `items` with at most `concurrency` at once, in order. Before each item,
 * `mayStart` is asked; once it says no, no further item starts and the pool settles when the ones under
 * way are done. Resolves with how many items were started. `work` should handle its own failures: the
 * first one it throws stops the pool from starting more and rejects it, after the others settle.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
  mayStart: () => boolean = () => true,
): Promise<number> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError('concurrency must be a positive integer');
  }
  let next = 0;
  let stopped = false;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (!stopped && next < items.length) {
      if (!mayStart()) {
        stopped = true;
        return;
      }
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
        stopped = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
  return next;
}
