/**
 * The local engines `npm start`, the benchmarks and the integration tests run on: DynamoDB Local (the jar
 * shipped in amplify-dynamodb-simulator), and the generic launcher any other engine runs under (the
 * integration tests start moto's server, for KMS, with it).
 *
 * Each start function picks a free loopback port unless told one, waits until the engine answers a real API
 * call, and returns a handle whose stop() kills the child and resolves once it has exited (so its port is
 * free again).
 *
 * No engine outlives the process that started it, even one killed with SIGKILL or a test that forgot stop():
 * each engine runs under a tiny Node supervisor that kills it as soon as its stdin (a pipe from this process)
 * closes, which the kernel does whenever this process ends. The supervisor and its pipes are unref'd, so a
 * forgotten engine does not keep this process alive either; exit and signal hooks kill them too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface EngineHandle {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  port: number;
  /** Kills the engine and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** A free loopback port is chosen when absent. */
  port?: number;
  /** Keep the data in memory (the default unless dbPath is given). */
  inMemory?: boolean;
  /** Keep the data in this directory (created if missing); excludes inMemory. */
  dbPath?: string;
  /**
   * One database for every access key and region (-sharedDb). Default false: like AWS, a table exists only
   * for the region (and access key id) the client signs with.
   */
  sharedDb?: boolean;
  /** How long to wait for the engine to answer. Default 60 s. */
  startTimeoutMs?: number;
}

export const LOOPBACK = '127.0.0.1';
const DEFAULT_START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_BYTES = 16 * 1024;
/** Dummy credentials: the engines accept anything, and nothing here may ever reach real AWS. */
export const DUMMY_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A TCP port that is free on the loopback interface right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((error) => (error ? reject(error) : resolvePort(port)));
    });
  });
}

/** The directory of the emulator shipped in amplify-dynamodb-simulator. */
export function dynamoDbLocalDir(): string {
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

/** The nearest directory above this file that holds a package.json (works from local/ and from dist/). */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${__dirname}`);
    dir = parent;
  }
}

/** The launcher that binds DynamoDB Local to loopback (Java source-file mode: no build step). */
export const dynamoDbLocalLauncher = (): string =>
  join(projectRoot(), 'local', 'dynamodb-local-on-loopback.java');

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<EngineHandle> {
  if (options.dbPath !== undefined && options.inMemory === true) {
    throw new Error('startDynamoDbLocal: inMemory and dbPath are mutually exclusive');
  }
  const dir = dynamoDbLocalDir();
  const dbPath = options.dbPath === undefined ? undefined : resolve(options.dbPath);
  if (dbPath !== undefined) mkdirSync(dbPath, { recursive: true });

  return startEngine({
    name: 'DynamoDB Local',
    port: options.port,
    startTimeoutMs: options.startTimeoutMs,
    command: 'java',
    // The jar's own entry point listens on every interface and has no option to choose one: the launcher
    // (run from source, with the jar on the class path) binds the same server to loopback only.
    args: (port) => [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-cp',
      join(dir, 'DynamoDBLocal.jar'),
      dynamoDbLocalLauncher(),
      LOOPBACK,
      ...(dbPath === undefined ? ['-inMemory'] : ['-dbPath', dbPath]),
      ...(options.sharedDb === true ? ['-sharedDb'] : []),
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    cwd: dir,
    env: { DDB_LOCAL_TELEMETRY: '0' },
    probe: async (endpoint, signal) => {
      const client = new DynamoDBClient({
        endpoint,
        region: 'us-east-1',
        credentials: DUMMY_CREDENTIALS,
        maxAttempts: 1,
      });
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: signal });
      } finally {
        client.destroy();
      }
    },
  });
}

export interface EngineSpec {
  name: string;
  port: number | undefined;
  startTimeoutMs: number | undefined;
  command: string;
  args: (port: number) => string[];
  cwd: string;
  env: Record<string, string>;
  /** One real API call; resolves when the engine answers. */
  probe: (endpoint: string, signal: AbortSignal) => Promise<void>;
}

/** A port picked by freePort() can be taken before the child binds it: then try another, a few times. */
const PORT_ATTEMPTS = 3;

export async function startEngine(spec: EngineSpec): Promise<EngineHandle> {
  for (let attempt = 1; ; attempt += 1) {
    const port = spec.port ?? (await freePort());
    try {
      return await startOnce(spec, port);
    } catch (error) {
      const portTaken =
        error instanceof EngineStartError &&
        error.exitedEarly &&
        /address already in use|bind/i.test(error.output);
      if (spec.port !== undefined || !portTaken || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

class EngineStartError extends Error {
  constructor(
    message: string,
    readonly exitedEarly: boolean,
    readonly output: string,
  ) {
    super(message);
    this.name = 'EngineStartError';
  }
}

/**
 * Runs `argv` and forwards its output; kills it (TERM, then KILL after a grace period) when stdin ends or on
 * SIGTERM/SIGINT/SIGHUP, and exits once it has exited. Run with `node -e`, so it needs no file of its own.
 */
const SUPERVISOR = `
const { spawn } = require('node:child_process');
const [command, ...args] = process.argv.slice(1);
const engine = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  engine.kill('SIGTERM');
  setTimeout(() => engine.kill('SIGKILL'), ${STOP_GRACE_MS}).unref();
};
engine.on('error', (error) => { process.stderr.write('cannot start ' + command + ': ' + error.message + '\\n'); process.exit(127); });
engine.on('exit', (code, signal) => process.exit(code === null ? (stopping ? 0 : 128) : code));
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, stop);
`;

async function startOnce(spec: EngineSpec, port: number): Promise<EngineHandle> {
  const endpoint = `http://${LOOPBACK}:${port}`;
  const child = spawn(process.execPath, ['-e', SUPERVISOR, spec.command, ...spec.args(port)], {
    cwd: spec.cwd,
    // No AWS settings of this process (credentials, profiles, endpoints) reach an engine.
    env: { ...withoutAwsVariables(process.env), ...spec.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = new OutputTail(OUTPUT_TAIL_BYTES);
  // Always drain both pipes, or a chatty engine blocks once the pipe buffer is full.
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stdin?.on('error', () => undefined); // EPIPE once the supervisor is gone

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
    (done) => {
      child.once('exit', (code, signal) => done({ code, signal }));
      child.once('error', (error) => done({ code: null, signal: null, error }));
    },
  );
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    liveChildren.delete(child);
  });
  if (child.pid !== undefined) liveChildren.add(child);
  installExitHooks();
  // A forgotten engine must not keep this process alive.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }

  const stop = once(async () => {
    if (hasExited) return;
    child.kill('SIGTERM');
    // The supervisor waits for the engine; this is only for a supervisor that does not answer.
    const timer = setTimeout(() => child.kill('SIGKILL'), 2 * STOP_GRACE_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  });

  const timeoutMs = spec.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (hasExited) {
      const { code, signal, error } = await exited;
      const how = error ? `could not start (${error.message})` : `exited with ${code ?? signal}`;
      throw new EngineStartError(
        `${spec.name} ${how} before answering on ${endpoint}.\n--- its output ---\n${output.text()}`,
        true,
        output.text(),
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new EngineStartError(
        `${spec.name} did not answer on ${endpoint} within ${timeoutMs} ms.\n--- its output ---\n${output.text()}`,
        false,
        output.text(),
      );
    }
    try {
      await spec.probe(endpoint, AbortSignal.timeout(2_000));
      if (hasExited) continue; // something else answered on that port and ours died: reported above
      break;
    } catch {
      await Promise.race([delay(100), exited]);
    }
  }

  return { endpoint, port, stop };
}

/** The last bytes of a child's output, for error messages. */
class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()?.length ?? 0;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

function withoutAwsVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('AWS_')));
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}

// Belt and braces beside the supervisors' stdin watch: on exit and on the usual termination signals, ask
// every supervisor to stop its engine (SIGTERM: a killed supervisor could not stop its engine any more).
const liveChildren = new Set<ChildProcess>();
let hooksInstalled = false;

function killAll(): void {
  for (const child of liveChildren) child.kill('SIGTERM');
  liveChildren.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAll();
      // When nobody else handles the signal, restore its default action (terminate) and re-raise it.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}
