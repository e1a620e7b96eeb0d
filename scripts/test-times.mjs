#!/usr/bin/env node
// The unit and use-case tests' wall time, before (the use cases on DynamoDB Local at the production KDF
// cost, as at BEFORE_REV) and after (this checkout: the usecase project on the in-memory store at the
// test KDF cost), run back to back on this machine. Writes bench/results/test-times.json.
//
//   node scripts/test-times.mjs [BEFORE_REV]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const beforeRev = process.argv[2] ?? '7421fe0';
const beforeUseCases =
  'test/integration/(admin/management|admin/emergency-access|agent/authenticate|agent/unlock|agent/spent-offline|agent/reassignment|sweep/sweep-expired)\\.test\\.ts';

function run(label, cwd, args) {
  const loadBefore = loadavg()[0];
  const started = process.hrtime.bigint();
  const result = spawnSync('npx', ['jest', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const summary = `${result.stdout}\n${result.stderr}`.match(/^Tests:.*$/m)?.[0] ?? 'no summary';
  const figure = {
    label,
    command: `npx jest ${args.join(' ')}`,
    wallSeconds: round(wallSeconds),
    loadBefore: round(loadBefore),
    loadAfter: round(loadavg()[0]),
    rc: result.status,
    tests: summary,
  };
  console.log(
    `${label}: ${figure.wallSeconds} s (load ${figure.loadBefore} -> ${figure.loadAfter}) ${summary}`,
  );
  return figure;
}

const round = (n) => Math.round(n * 100) / 100;

const beforeDir = mkdtempSync(join(tmpdir(), 'test-times-before-'));
rmSync(beforeDir, { recursive: true });
execFileSync('git', ['worktree', 'add', '--detach', '-q', beforeDir, beforeRev], { cwd: root });
try {
  for (const linked of ['node_modules', '.venv']) {
    if (existsSync(join(root, linked))) symlinkSync(join(root, linked), join(beforeDir, linked));
  }
  const before = [
    run('before-unit', beforeDir, ['--selectProjects', 'unit']),
    run('before-usecases-on-dynamodb', beforeDir, [
      '--selectProjects',
      'integration',
      '--testPathPatterns',
      beforeUseCases,
    ]),
  ];
  const after = [run('after-unit-and-usecase', root, ['--selectProjects', 'unit', 'usecase'])];
  const total = (runs) => round(runs.reduce((sum, r) => sum + r.wallSeconds, 0));
  const result = {
    what: `Wall time of the unit and use-case tests, before (${beforeRev}: use cases on DynamoDB Local at the production KDF cost) and after (this checkout: the usecase project, in memory, at the test KDF cost), back to back on one machine (${cpus().length} cores).`,
    command: `node scripts/test-times.mjs ${beforeRev}`,
    before: { runs: before, wallSeconds: total(before) },
    after: { runs: after, wallSeconds: total(after) },
    afterOverBefore: round(total(after) / total(before)),
  };
  writeFileSync(join(root, 'bench/results/test-times.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`after / before = ${result.afterOverBefore}`);
} finally {
  execFileSync('git', ['worktree', 'remove', '--force', beforeDir], { cwd: root });
}
