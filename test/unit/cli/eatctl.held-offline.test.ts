import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../cli/eatctl';
import type { Io } from '../../../cli/verb';
import { buildOfflineData } from '../../../shared/domain/offline-data';
import { decodeBase32 } from '../../../shared/domain/totp';

const CODE = 'K7QM2XHPR4TW';
const FROM = new Date(Date.now() - 60_000);

function io(): Io & { out: string; err: string } {
  const captured = {
    out: '',
    err: '',
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
    readStdin: async () => '',
  };
  return captured;
}

let dir: string;
let server: Server;
let endpoint: string;
let sent: Record<string, unknown>[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eatctl-held-'));
  sent = [];
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      sent.push(JSON.parse(body));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ outcome: 'accept', method: 'tokencode', offlineData: null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function offlineDataFile(singleUse: boolean): Promise<string> {
  const data = await buildOfflineData({
    seed: decodeBase32('JBSWY3DPEHPK3PXP'),
    serial: '000100000002',
    assignmentEpoch: 0,
    digits: 6,
    pin: null,
    from: FROM,
    days: 1,
    userId: 'bob',
    kind: 'authenticate',
    agentId: 'win-agent-1',
    emergencyCode: {
      code: CODE,
      generation: 3,
      issueId: 'issue-3',
      expiresAt: new Date(FROM.getTime() + 86_400_000).toISOString(),
      singleUse,
    },
  });
  const file = join(dir, 'bob.json');
  writeFileSync(file, JSON.stringify(data));
  return file;
}

const authenticate = (...extra: string[]) =>
  main(
    [
      'agent',
      'authenticate',
      '--user',
      'bob',
      '--passcode',
      '123456',
      '--endpoint',
      endpoint,
      '--token',
      't',
      ...extra,
    ],
    io(),
  );

describe('eatctl agent authenticate reports the offline code it holds', () => {
  it('says a single-use code spent offline (per the ledger of agent verify) is spent', async () => {
    const data = await offlineDataFile(true);
    const ledger = join(dir, 'ledger.json');
    expect(await authenticate('--held-data', data, '--ledger', ledger)).toBe(0);
    expect(
      await main(['agent', 'verify', '--data', data, '--passcode', CODE, '--ledger', ledger], io()),
    ).toBe(0);
    const console = io();
    const code = await main(
      [
        'agent',
        'authenticate',
        '--user',
        'bob',
        '--passcode',
        '123456',
        '--endpoint',
        endpoint,
        '--token',
        't',
      ].concat(['--held-data', data, '--ledger', ledger]),
      console,
    );
    expect(code).toBe(0);
    expect(sent.map((body) => body.heldOffline)).toEqual([
      { generation: 3, issueId: 'issue-3' },
      { generation: 3, issueId: 'issue-3', spentOffline: true },
    ]);
    expect(console.out).toMatch(/held offline\s+generation 3, reported spent offline/);
  });

  it('reports a reusable code used offline as held only', async () => {
    const data = await offlineDataFile(false);
    const ledger = join(dir, 'ledger.json');
    expect(
      await main(['agent', 'verify', '--data', data, '--passcode', CODE, '--ledger', ledger], io()),
    ).toBe(0);
    expect(await authenticate('--held-data', data, '--ledger', ledger)).toBe(0);
    expect(sent.map((body) => body.heldOffline)).toEqual([{ generation: 3, issueId: 'issue-3' }]);
  });

  it('refuses, before any login, unreadable data, a ledger alone, or both ways of saying what is held', async () => {
    const data = await offlineDataFile(true);
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{"not": "offline data"}');
    expect(await authenticate('--held-data', junk)).toBe(2);
    expect(await authenticate('--ledger', join(dir, 'ledger.json'))).toBe(2);
    expect(await authenticate('--held-data', data, '--held-generation', '3')).toBe(2);
    expect(await authenticate('--held-generation', 'three')).toBe(2);
    expect(sent).toEqual([]);
    expect(await authenticate('--held-generation', '3')).toBe(0);
    expect(sent.map((body) => body.heldOffline)).toEqual([{ generation: 3 }]);
  });
});
