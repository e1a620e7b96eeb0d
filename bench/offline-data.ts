/**
 * Offline data for 14 days (the default policy), in the layout before issue 11 (format 1) and in the
 * current one (format 2), in one run on the same machine: size, and the time to build it, median of
 * several runs. `npm run bench:offline-data`; prints the figures and writes bench/results/offline-data.json.
 *
 * - `kdfMs`: one PBKDF2-SHA256 run of 600,000 iterations, the unit the KDF cost is counted in;
 * - `generateMs`: a SecurID download as an online login builds it (format 2: two KDF runs, the pad key and
 *   the emergency code's verifier, in parallel on libuv's pool, then the per-step work);
 * - `perStepMs`: the server CPU beyond the KDF runs: every step's tokencode and its residue (format 1:
 *   HOTP and an HMAC-SHA256 verifier per step);
 * - `offlineCheckMs`: what the agent spends on one PIN + tokencode check (one KDF run).
 */
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { verifyOfflinePasscode } from '../shared/agent';
import { buildOfflineData, residuesOf, type OfflineDataInput } from '../shared/domain/offline-data';
import { decodeBase32, totp } from '../shared/domain/totp';
import { createVerifier, VERIFIER_ITERATIONS } from '../shared/domain/verifier';
import { buildLegacyTokencodes } from './legacy-offline-layout';

const DAYS = 14;
const STEPS = (DAYS * 86_400) / 60;
const seed = decodeBase32('JBSWY3DPEHPK3PXP');
const PIN = '246802';
const CODE = 'K7QM2XHPR4TW';

function input(overrides: Partial<OfflineDataInput> = {}): OfflineDataInput {
  const from = new Date();
  return {
    seed,
    serial: '000100000001',
    assignmentEpoch: 0,
    digits: 6,
    pin: PIN,
    from,
    days: DAYS,
    userId: 'alice',
    kind: 'securid',
    agentId: 'win-agent-1',
    emergencyCode: {
      code: CODE,
      generation: 1,
      issueId: '6f1c2a8e-4b7d-4e0f-9a51-3c2d8e7f1b90',
      expiresAt: new Date(from.getTime() + DAYS * 86_400_000).toISOString(),
      singleUse: true,
    },
    ...overrides,
  };
}

async function median(runs: number, task: () => unknown): Promise<{ medianMs: number; minMs: number }> {
  await task(); // warm up
  const timings: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await task();
    timings.push(performance.now() - start);
  }
  timings.sort((a, b) => a - b);
  return {
    medianMs: Number(timings[Math.floor(timings.length / 2)]!.toFixed(1)),
    minMs: Number(timings[0]!.toFixed(1)),
  };
}

/** Format 1 as the server built it: the tokencode verifiers with one KDF run, the code's verifier alongside. */
async function legacyFile(iterations: number): Promise<string> {
  const from = new Date();
  const firstStep = Math.floor(from.getTime() / 60_000);
  const [verifier, tokencodes] = await Promise.all([
    createVerifier(PIN + CODE),
    Promise.resolve(
      buildLegacyTokencodes({
        seed,
        serial: '000100000001',
        digits: 6,
        pin: PIN,
        firstStep,
        count: STEPS,
        iterations,
      }),
    ),
  ]);
  return JSON.stringify({
    format: 'eat-offline-data/1',
    userId: 'alice',
    serial: '000100000001',
    kind: 'securid',
    requiresPin: true,
    agentId: 'win-agent-1',
    issuedAt: from.toISOString(),
    validUntil: new Date((firstStep + STEPS) * 60_000).toISOString(),
    days: DAYS,
    tokencodes: {
      algorithm: 'hmac-sha256-32',
      digits: 6,
      stepSeconds: 60,
      driftSteps: 1,
      firstStep,
      count: STEPS,
      key: { derivation: 'pbkdf2-sha256', iterations, salt: tokencodes.salt.toString('base64') },
      verifiers: tokencodes.verifiers.toString('base64'),
    },
    emergencyAccess: {
      generation: 1,
      issueId: '6f1c2a8e-4b7d-4e0f-9a51-3c2d8e7f1b90',
      expiresAt: new Date(from.getTime() + DAYS * 86_400_000).toISOString(),
      codeLength: 8,
      singleUse: false,
      verifier,
    },
  });
}

const sizes = (json: string) => ({
  sizeBytes: Buffer.byteLength(json, 'utf8'),
  gzipSizeBytes: gzipSync(json).length,
});

export async function run(): Promise<unknown> {
  const runs = Number(process.env.RUNS ?? 9);
  const firstStep = Math.floor(Date.now() / 60_000);
  const kdf = await median(runs, () => pbkdf2Sync(PIN, randomBytes(16), VERIFIER_ITERATIONS, 32, 'sha256'));

  const before = {
    format: 'eat-offline-data/1',
    ...sizes(await legacyFile(VERIFIER_ITERATIONS)),
    kdfRuns: 2,
    generateMs: (await median(runs, () => legacyFile(VERIFIER_ITERATIONS))).medianMs,
    perStepMs: (
      await median(runs, () =>
        buildLegacyTokencodes({
          seed,
          serial: '000100000001',
          digits: 6,
          pin: null,
          firstStep,
          count: STEPS,
          iterations: 1,
        }),
      )
    ).medianMs,
  };

  const data = await buildOfflineData(input());
  const padKey = randomBytes(32);
  const at = new Date();
  const after = {
    format: data.format,
    ...sizes(JSON.stringify(data)),
    replySizeBytes: Buffer.byteLength(
      JSON.stringify({ outcome: 'accept', method: 'tokencode', offlineData: data }),
    ),
    residueBytes: Buffer.from(data.tokencodes!.residues, 'base64').length,
    kdfRuns: 2,
    generateMs: (await median(runs, () => buildOfflineData(input()))).medianMs,
    perStepMs: (await median(runs, () => residuesOf(padKey, seed, firstStep, STEPS, 6))).medianMs,
    offlineCheckMs: (await median(runs, () => verifyOfflinePasscode(data, `${PIN}${totp(seed, at)}`, { at })))
      .medianMs,
  };

  const result = {
    days: DAYS,
    steps: STEPS,
    runs,
    kdfMs: kdf.medianMs,
    before,
    after,
    budget: { maxSizeBytes: 512 * 1024, maxPerStepMs: 50 },
    withinBudget: after.sizeBytes <= 512 * 1024 && after.perStepMs <= 50,
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/offline-data.json', JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result;
}

if (require.main === module) void run();
