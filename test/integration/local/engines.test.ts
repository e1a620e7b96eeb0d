/** The local engines: the run's shared ones (global setup) and the start/stop functions themselves. */
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { freePort, startDynamoDbLocal } from '../../../local/engines';
import { startMotoServer } from '../../support/engines';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

// Starting a JVM or a Python server takes seconds on a busy machine: a bound, not a measurement.

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Whether this port can be bound on every interface right now (nothing listens on it anywhere). */
async function isFree(port: number): Promise<boolean> {
  try {
    await close(await listen(port, '0.0.0.0'));
    return true;
  } catch {
    return false;
  }
}

async function tableNames(endpoint: string): Promise<string[]> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials });
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    client.destroy();
  }
}

describe('the run’s engines', () => {
  it('are reachable through the environment, with dummy AWS credentials and a fixed region', async () => {
    expect(process.env).toMatchObject({
      DYNAMODB_ENDPOINT: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      KMS_ENDPOINT: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
    });
    expect(process.env.AWS_PROFILE).toBeUndefined();
    await expect(tableNames(process.env.DYNAMODB_ENDPOINT ?? '')).resolves.toEqual(expect.any(Array));

    // A client given no endpoint and no credentials still reaches the local engine, never AWS.
    const kms = new KMSClient({});
    try {
      await expect(kms.send(new ListKeysCommand({}))).resolves.toMatchObject({ Keys: expect.any(Array) });
    } finally {
      kms.destroy();
    }
  });
});

/** Whether a TCP connection to host:port is accepted. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The machine's own addresses other than loopback (none on a machine without a network). */
function nonLoopbackAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((address) => address !== undefined && !address.internal)
    .filter((address) => !(address!.family === 'IPv6' && address!.address.startsWith('fe80:')))
    .map((address) => address!.address);
}

/** The local addresses of the sockets listening on a port, from Linux's /proc/net/tcp and tcp6. */
function listeningAddresses(port: number): string[] {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const ipv4 = (hex: string) => [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || local === undefined || !local.endsWith(`:${portHex}`)) continue;
      const hex = local.slice(0, -5);
      if (hex.length === 8) found.push(ipv4(hex));
      else if (hex.startsWith('0000000000000000FFFF0000')) found.push(ipv4(hex.slice(24)));
      else found.push(`[${hex}]`);
    }
  }
  return found;
}

describe('DynamoDB Local', () => {
  it('listens on loopback only, as the gateways do', async () => {
    const port = Number(new URL(process.env.DYNAMODB_ENDPOINT ?? '').port);
    expect(await connects('127.0.0.1', port)).toBe(true);
    for (const address of nonLoopbackAddresses()) {
      expect({ address, accepted: await connects(address, port) }).toEqual({ address, accepted: false });
    }
    // Whether or not this machine has another address: the kernel's own table of listening sockets.
    if (existsSync('/proc/net/tcp')) expect(listeningAddresses(port)).toEqual(['127.0.0.1']);
  });
});

describe('startDynamoDbLocal', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eat-ddb-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps data in dbPath across restarts, and stop() frees the port', async () => {
    const first = await startDynamoDbLocal({ dbPath: dir, sharedDb: true });
    try {
      const client = new DynamoDBClient({ endpoint: first.endpoint, region: 'eu-west-1', credentials });
      await client.send(
        new CreateTableCommand({
          TableName: 'kept',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      client.destroy();
    } finally {
      await first.stop();
    }
    await first.stop(); // idempotent
    expect(await isFree(first.port)).toBe(true);

    const second = await startDynamoDbLocal({ dbPath: dir, sharedDb: true, port: first.port });
    try {
      expect(second.endpoint).toBe(first.endpoint);
      // sharedDb: one database whatever region the client signs for.
      await expect(tableNames(second.endpoint)).resolves.toEqual(['kept']);
    } finally {
      await second.stop();
    }
  });

  it('refuses inMemory together with dbPath', async () => {
    await expect(startDynamoDbLocal({ inMemory: true, dbPath: dir })).rejects.toThrow(/mutually exclusive/);
  });
});

describe('startMotoServer', () => {
  it('reports the engine’s own output when it dies before answering', async () => {
    const port = await freePort();
    const taken = await listen(port, '127.0.0.1');
    try {
      await expect(startMotoServer({ port })).rejects.toThrow(
        /moto server exited with \d+ before answering on http:\/\/127\.0\.0\.1:\d+\.\n--- its output ---\n[\s\S]*(in use|Errno)/,
      );
    } finally {
      await close(taken);
    }
  });

  it('stops, and frees its port', async () => {
    const moto = await startMotoServer();
    await moto.stop();
    expect(await isFree(moto.port)).toBe(true);
  });
});
