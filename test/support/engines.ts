/**
 * moto's server (a KMS-compatible API, from the project venv that `npm run test:env` prepares), which only
 * the tests need, started by the launcher of local/engines.ts (where DynamoDB Local, the engine of
 * `npm start`, lives too: the tests import it from there).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import {
  DUMMY_CREDENTIALS,
  LOOPBACK,
  projectRoot,
  startEngine,
  type EngineHandle,
} from '../../local/engines';

export interface MotoServerOptions {
  port?: number;
  /** The venv holding moto_server. Default: <project>/.venv. */
  venvDir?: string;
  /** How long to wait for the engine to answer. Default 60 s. */
  startTimeoutMs?: number;
}

export async function startMotoServer(options: MotoServerOptions = {}): Promise<EngineHandle> {
  const venvDir = options.venvDir ?? join(projectRoot(), '.venv');
  const command = join(venvDir, 'bin', 'python');
  if (!existsSync(join(venvDir, 'bin', 'moto_server'))) {
    throw new Error(
      `moto is missing from ${venvDir}: run \`npm run test:env\` to create the venv with moto.`,
    );
  }
  // scripts/moto_server.py is moto's server with its multi-region key id fix (see the script).
  const launcher = join(projectRoot(), 'scripts', 'moto_server.py');
  return startEngine({
    name: 'moto server',
    port: options.port,
    startTimeoutMs: options.startTimeoutMs,
    command,
    args: (port) => [launcher, '-H', LOOPBACK, '-p', String(port)],
    cwd: venvDir,
    env: { PYTHONUNBUFFERED: '1' },
    probe: async (endpoint, signal) => {
      const client = new KMSClient({
        endpoint,
        region: 'us-east-1',
        credentials: DUMMY_CREDENTIALS,
        maxAttempts: 1,
      });
      try {
        await client.send(new ListKeysCommand({ Limit: 1 }), { abortSignal: signal });
      } finally {
        client.destroy();
      }
    },
  });
}
