/**
 * The local system started as a user starts it (`node --import tsx local/start.ts --fresh`, what `npm start -- --fresh`
 * runs) on free ports with its own data directory; `stop` presses Ctrl-C (SIGINT), waits for it to close
 * (SIGKILL after 20 s), removes the data and gives the exit code (null when it had to be killed).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, projectRoot } from '../../local/engines';

export interface LocalProcess {
  primary: string;
  replica: string;
  ports: [number, number];
  dataDir: string;
  output(): string;
  stop(): Promise<number | null>;
}

export async function startLocalProcess(env: Record<string, string> = {}): Promise<LocalProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'eat-e2e-'));
  const ports: [number, number] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', '--fresh'], {
    cwd: projectRoot(),
    env: {
      ...process.env,
      PORT: String(ports[0]),
      REPLICA_PORT: String(ports[1]),
      LOCAL_DATA_DIR: dataDir,
      SWEEP_INTERVAL_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
    return child.exitCode;
  };
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (/local system: up in/.test(output)) return resolve();
      if (child.exitCode !== null) return reject(new Error(`npm start exited ${child.exitCode}:\n${output}`));
      setTimeout(check, 100);
    };
    check();
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  const [primary, replica] = ports.map((port) => `http://127.0.0.1:${port}`) as [string, string];
  return { primary, replica, ports, dataDir, output: () => output, stop };
}

/** A client-credentials token from the local system's issuer (each local client's secret is `<id>-secret`). */
export async function localClientToken(base: string, clientId: string): Promise<string> {
  const response = await fetch(`${base}/local/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${clientId}&client_secret=${clientId}-secret`,
  });
  if (response.status !== 200) throw new Error(`no token for ${clientId}: ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** One API call over HTTP with a bearer token; the reply's status, headers and JSON body. */
export async function callLocalApi(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}
