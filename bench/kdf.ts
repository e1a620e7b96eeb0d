/**
 * The cost of one verification with the verifier KDF's parameters on this machine.
 * `npm run bench:kdf`; prints the figures and writes bench/results/kdf.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { VERIFIER_ITERATIONS, createVerifier, verifySecret } from '../shared/domain/verifier';

export async function run(): Promise<unknown> {
  const runs = Number(process.env.RUNS ?? 15);
  const verifier = await createVerifier('K7QM2XHP');
  await verifySecret('K7QM2XHP', verifier); // warm up
  const timings: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await verifySecret(i % 2 === 0 ? 'K7QM2XHP' : 'K7QM2XHQ', verifier);
    timings.push(performance.now() - start);
  }
  timings.sort((a, b) => a - b);
  const at = (q: number) => timings[Math.min(timings.length - 1, Math.floor(q * timings.length))]!;
  const result = {
    algorithm: verifier.algorithm,
    iterations: VERIFIER_ITERATIONS,
    runs,
    medianMs: Number(at(0.5).toFixed(1)),
    minMs: Number(timings[0]!.toFixed(1)),
    p90Ms: Number(at(0.9).toFixed(1)),
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/kdf.json', JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result;
}

if (require.main === module) void run();
