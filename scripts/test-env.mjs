#!/usr/bin/env node
// Prepares what the integration tests need beside node_modules, and checks what it cannot install:
// - a project-local Python venv (.venv) with a pinned moto server (the KMS-compatible engine), created
//   only when missing, broken, or when the pinned requirements below changed (a marker file in .venv
//   records what was installed);
// - a working `java` (DynamoDB Local is a Java program shipped in amplify-dynamodb-simulator).
// Quiet and fast (no Python started) when everything is already in place.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned requirements of the venv. Change them here: the next run reinstalls. */
const REQUIREMENTS = ['moto[server]==5.2.5'];
/** The oldest Java that runs the DynamoDB Local jar; CI installs 17. */
const MIN_JAVA_MAJOR = 11;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.venv');
const venvPython = join(venv, 'bin', 'python');
const motoServer = join(venv, 'bin', 'moto_server');
const marker = join(venv, '.eat-test-env.json');
const jar = join(root, 'node_modules', 'amplify-dynamodb-simulator', 'emulator', 'DynamoDBLocal.jar');

const wanted = JSON.stringify({ requirements: REQUIREMENTS });

function fail(message) {
  console.error(`test-env: ${message}`);
  process.exit(1);
}

/** Runs a command, inheriting stdout/stderr so pip's progress and errors are visible; fails on error. */
function run(command, args, what) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) fail(`${what} could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`${what} failed (exit ${result.status ?? result.signal}).`);
}

function readMarker() {
  try {
    return readFileSync(marker, 'utf8');
  } catch {
    return null;
  }
}

function ensureVenv() {
  // existsSync follows the symlink: a venv whose base interpreter is gone counts as broken.
  const venvUsable = existsSync(venvPython) && existsSync(motoServer);
  if (venvUsable && readMarker() === wanted) return;

  const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (python.error || python.status !== 0) {
    fail(
      'python3 is required for the KMS-compatible test server (moto) but was not found on PATH.\n' +
        '  Install Python 3.9 or newer, e.g. on Debian/Ubuntu: apt-get install -y python3 python3-venv',
    );
  }

  if (!existsSync(venvPython)) {
    console.log(`test-env: creating the Python venv ${venv}`);
    rmSync(marker, { force: true });
    const created = spawnSync('python3', ['-m', 'venv', '--clear', venv], { cwd: root, encoding: 'utf8' });
    if (created.error || created.status !== 0) {
      fail(
        `python3 -m venv failed:\n${created.stderr || created.stdout}\n` +
          '  On Debian/Ubuntu install the venv module: apt-get install -y python3-venv',
      );
    }
  }

  console.log(`test-env: installing ${REQUIREMENTS.join(' ')} into .venv`);
  rmSync(marker, { force: true });
  run(
    venvPython,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...REQUIREMENTS],
    'pip install',
  );
  if (!existsSync(motoServer)) fail(`pip install finished but ${motoServer} is missing.`);
  // Written last: an interrupted install is retried on the next run.
  writeFileSync(marker, wanted);
}

function checkJava() {
  const help =
    'DynamoDB Local needs Java 11 or newer (17 recommended) on PATH.\n' +
    '  Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless    macOS: brew install openjdk@17';
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) {
    fail(
      `\`java -version\` did not work (${java.error ? java.error.message : `exit ${java.status}`}).\n  ${help}`,
    );
  }
  const text = `${java.stderr}${java.stdout}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) fail(`could not read the Java version from \`java -version\`:\n${text}\n  ${help}`);
  const major = match[1] === '1' ? Number(match[2]) : Number(match[1]);
  if (major < MIN_JAVA_MAJOR) fail(`Java ${major} is too old.\n  ${help}`);
  // local/engines.ts runs a small launcher from source (it binds DynamoDB Local to loopback): Java's
  // source-file mode needs the jdk.compiler module, which a JDK has (and Debian's JRE packages too).
  const modules = spawnSync('java', ['--list-modules'], { encoding: 'utf8' });
  if (!/^jdk\.compiler@/m.test(modules.stdout ?? '')) {
    fail(`this Java has no jdk.compiler module, which runs DynamoDB Local's loopback launcher.\n  ${help}`);
  }
}

function checkJar() {
  if (!existsSync(jar)) {
    fail(`${jar} is missing: run \`npm ci\` (amplify-dynamodb-simulator ships DynamoDB Local).`);
  }
}

checkJar();
checkJava();
ensureVenv();
