/**
 * Where `npm start` tells `eatctl` it listens: `endpoints.json` in the local data directory (`.local/`,
 * or LOCAL_DATA_DIR), written once the gateways listen and removed when they stop. And the check, made
 * before anything is loaded, that the ports it will listen on are free.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { projectRoot } from './engines';

export interface LocalEndpoints {
  primary: string;
  replica: string;
}

export const localDataDir = (env: NodeJS.ProcessEnv = process.env): string =>
  env.LOCAL_DATA_DIR ?? join(projectRoot(), '.local');

export const endpointsFileOf = (dataDir: string): string => join(dataDir, 'endpoints.json');

export function writeLocalEndpoints(dataDir: string, endpoints: LocalEndpoints): string {
  const file = endpointsFileOf(dataDir);
  writeFileSync(file, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
  return file;
}

export function removeLocalEndpoints(dataDir: string): void {
  rmSync(endpointsFileOf(dataDir), { force: true });
}

/** The endpoints of a running local system, or null when none has written them (or they are unreadable). */
export function readLocalEndpoints(dataDir: string): LocalEndpoints | null {
  const file = endpointsFileOf(dataDir);
  if (!existsSync(file)) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalEndpoints>;
    if (typeof parsed.primary !== 'string' || typeof parsed.replica !== 'string') return null;
    return { primary: parsed.primary, replica: parsed.replica };
  } catch {
    return null;
  }
}

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Throws, naming the port and the fix, when one of the ports is taken on the loopback interface. */
export async function assertPortsFree(ports: { name: string; port: number; variable: string }[]) {
  for (const { name, port, variable } of ports) {
    if (!Number.isInteger(port) || port <= 0 || port > 65535)
      throw new Error(`${variable}=${port} is not a port number (1-65535)`);
    if (!(await portIsFree(port, '127.0.0.1'))) {
      const others = ports.map((p) => `${p.variable}=${p.port + 100}`).join(' ');
      throw new Error(
        `port ${port} (the ${name}, ${variable}) is already in use on 127.0.0.1: another \`npm start\` ` +
          `may be running (stop it with Ctrl-C), or another program has it. To use other ports: ` +
          `${others} npm start`,
      );
    }
  }
}
