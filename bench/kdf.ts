/**
 * The KDF policy before and after issue 16, measured side by side in one run on this machine: the CPU of
 * one run of each KDF (one thread, `process.cpuUsage`), the guesses a second one core makes with it, and
 * what a login spends on KDFs under each policy:
 *
 *   before: 3 online runs of PBKDF2 at 600,000 (the budget), and for an offline agent's download 2 more
 *           (the file's pad key and emergency verifier, PBKDF2 at 600,000);
 *   after:  3 online runs of PBKDF2 at 10,000 (peppered verifiers), and 2 scrypt runs (N = 2^13, r = 8).
 *
 * `npm run bench:kdf` (or the `kdf` section of `npm run bench`); writes bench/results/kdf.json.
 */
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { SCRYPT_DEFAULTS } from '../shared/domain/memory-hard-kdf';
import { KDF_RUNS_PER_AUTHENTICATION } from '../shared/use-cases/passcode-checks';
import { PEPPERED_VERIFIER_ITERATIONS, VERIFIER_ITERATIONS } from '../shared/domain/verifier';
import { summarize } from './stats';

function cpuMsOf(run: () => void, runs: number) {
  run(); // warm up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    samples.push((used.user + used.system) / 1000);
  }
  return summarize(samples);
}

export async function run(): Promise<unknown> {
  const runs = Number(process.env.RUNS ?? 15);
  const salt = randomBytes(16);
  const secret = 'K7QM2XHP';
  const { cost: N, blockSize: r, parallelization: p } = SCRYPT_DEFAULTS;
  const pbkdf2Full = cpuMsOf(() => pbkdf2Sync(secret, salt, VERIFIER_ITERATIONS, 32, 'sha256'), runs);
  const pbkdf2Peppered = cpuMsOf(
    () => pbkdf2Sync(secret, salt, PEPPERED_VERIFIER_ITERATIONS, 32, 'sha256'),
    runs,
  );
  const scrypt = cpuMsOf(() => scryptSync(secret, salt, 32, { N, r, p, maxmem: 256 * N * r }), runs);
  const online = KDF_RUNS_PER_AUTHENTICATION;
  const result = {
    runs,
    kdfs: {
      'pbkdf2-sha256 600,000 (before: every verifier)': {
        cpuMs: pbkdf2Full,
        guessesPerSecondPerCore: Math.round(1000 / pbkdf2Full.median),
      },
      'pbkdf2-sha256 10,000 (after: peppered online verifiers)': {
        cpuMs: pbkdf2Peppered,
        guessesPerSecondPerCore: Math.round(1000 / pbkdf2Peppered.median),
      },
      [`scrypt N=${N} r=${r} p=${p} (after: the offline file)`]: {
        cpuMs: scrypt,
        guessesPerSecondPerCore: Math.round(1000 / scrypt.median),
      },
    },
    loginKdfCpuMs: {
      before: {
        webAgent: online * pbkdf2Full.median,
        offlineAgent: (online + 2) * pbkdf2Full.median,
      },
      after: {
        webAgent: online * pbkdf2Peppered.median,
        offlineAgent: online * pbkdf2Peppered.median + 2 * scrypt.median,
      },
    },
    // The unit older figures used: one full PBKDF2 run.
    medianMs: pbkdf2Full.median,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/kdf.json', JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result;
}

if (require.main === module) void run();
