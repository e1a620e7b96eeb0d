/**
 * Offline data for 14 days (the default policy): its size and the time to generate it, median of several
 * runs. `npm run bench:offline-data`; prints the figures and writes bench/results/offline-data.json.
 *
 * - `generateMs`: a SecurID download as an online login builds it: 20,160 tokencode verifiers (HOTP and
 *   HMAC per step) under a PIN-derived key, plus the emergency code's verifier; the two KDF runs overlap.
 * - `tokencodeVerifiersMs`: the per-step work alone (an Authenticate token: no KDF).
 * - `offlineCheckMs`: what the agent spends on one PIN + tokencode check (one KDF run, three HMACs).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { verifyOfflinePasscode } from '../shared/agent';
import { buildOfflineData, type OfflineDataInput } from '../shared/domain/offline-data';
import { decodeBase32, totp } from '../shared/domain/totp';

const DAYS = 14;
const seed = decodeBase32('JBSWY3DPEHPK3PXP');

function input(overrides: Partial<OfflineDataInput> = {}): OfflineDataInput {
  const from = new Date();
  return {
    seed,
    serial: '000100000001',
    digits: 6,
    pin: '2468',
    from,
    days: DAYS,
    userId: 'alice',
    kind: 'securid',
    agentId: 'win-agent-1',
    emergencyCode: {
      code: 'K7QM2XHP',
      generation: 1,
      issueId: '6f1c2a8e-4b7d-4e0f-9a51-3c2d8e7f1b90',
      expiresAt: new Date(from.getTime() + DAYS * 86_400_000).toISOString(),
      singleUse: false,
    },
    ...overrides,
  };
}

async function median(
  runs: number,
  task: () => Promise<unknown>,
): Promise<{ medianMs: number; minMs: number }> {
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

async function main(): Promise<void> {
  const runs = Number(process.env.RUNS ?? 9);
  const data = await buildOfflineData(input());
  const json = JSON.stringify(data);
  const reply = JSON.stringify({ outcome: 'accept', method: 'tokencode', offlineData: data });
  const generate = await median(runs, () => buildOfflineData(input()));
  const perStep = await median(runs, () =>
    buildOfflineData(input({ kind: 'authenticate', pin: null, emergencyCode: null })),
  );
  const at = new Date();
  const check = await median(runs, () => verifyOfflinePasscode(data, `2468${totp(seed, at)}`, { at }));
  const result = {
    days: DAYS,
    steps: data.tokencodes.count,
    runs,
    sizeBytes: Buffer.byteLength(json, 'utf8'),
    replySizeBytes: Buffer.byteLength(reply, 'utf8'),
    gzipSizeBytes: gzipSync(json).length,
    tokencodeVerifierBytes: Buffer.from(data.tokencodes.verifiers, 'base64').length,
    generateMs: generate.medianMs,
    generateMinMs: generate.minMs,
    tokencodeVerifiersMs: perStep.medianMs,
    offlineCheckMs: check.medianMs,
    node: process.version,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/offline-data.json', JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

void main();
