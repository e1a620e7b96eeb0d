import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionFrom } from '../../../cli/api-client';
import { main } from '../../../cli/eatctl';
import type { Io } from '../../../cli/verb';
import { DEMO_USERS, otpauthUriOf } from '../../../local/demo-data';
import {
  assertPortsFree,
  readLocalEndpoints,
  removeLocalEndpoints,
  writeLocalEndpoints,
} from '../../../local/endpoints';
import { decodeBase32, totp } from '../../../shared/domain/totp';

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

const alice = DEMO_USERS[0];
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'eatctl-local-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('eatctl totp', () => {
  it("prints a demo user's tokencode of the 60-second step and the seconds left, by user or serial", async () => {
    const at = '2026-12-01T10:00:45.000Z';
    const expected = totp(decodeBase32(alice.seed), new Date(at));
    for (const name of ['alice', 'ALICE', alice.serial]) {
      const console = io();
      expect(await main(['totp', name, '--at', at], console)).toBe(0);
      expect(console.out).toMatch(
        new RegExp(`^user +alice \\(token ${alice.serial}\\)\ntokencode +${expected}\n`),
      );
      expect(console.out).toMatch(/\ntime left +15 s \(SHA-1, 6 digits, 60 s steps\)\n/);
      expect(console.out).toMatch(
        new RegExp(`\npasscode +2468${expected} \\(PIN 2468, then the tokencode\\)\n$`),
      );
    }
  });

  it('changes code only at a 60-second boundary, not a 30-second one', async () => {
    const code = async (at: string) => {
      const console = io();
      await main(['totp', 'bob', '--at', at, '--code'], console);
      return console.out.trim();
    };
    expect(await code('2026-12-01T10:00:00Z')).toMatch(/^[0-9]{6}$/);
    expect(await code('2026-12-01T10:00:31Z')).toBe(await code('2026-12-01T10:00:00Z'));
    expect(await code('2026-12-01T10:01:00Z')).not.toBe(await code('2026-12-01T10:00:59Z'));
  });

  it('names the demo users when the name is not one of them', async () => {
    const console = io();
    expect(await main(['totp', 'mallory'], console)).toBe(2);
    expect(console.err).toContain('the demo users are alice, bob, carol, dave, erin');
  });

  it('offers otpauth URIs an authenticator app reads as SHA-1, 6 digits, 60 s', () => {
    const uri = new URL(otpauthUriOf(alice));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(alice.seed);
    expect(uri.searchParams.get('period')).toBe('60');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
  });
});

describe('the local endpoints eatctl follows', () => {
  it('uses the endpoints npm start wrote, else PORT, else 3000; an explicit endpoint wins', () => {
    const env = { LOCAL_DATA_DIR: dir };
    expect(connectionFrom({}, env).endpoint).toBe('http://127.0.0.1:3000');
    expect(connectionFrom({}, { ...env, PORT: '3200' }).endpoint).toBe('http://127.0.0.1:3200');
    const file = writeLocalEndpoints(dir, {
      primary: 'http://127.0.0.1:3300',
      replica: 'http://127.0.0.1:3301',
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readLocalEndpoints(dir)?.replica).toBe('http://127.0.0.1:3301');
    expect(connectionFrom({}, env).endpoint).toBe('http://127.0.0.1:3300');
    expect(connectionFrom({}, { ...env, EATCTL_ENDPOINT: 'http://x:1' }).endpoint).toBe('http://x:1');
    expect(connectionFrom({ endpoint: 'http://y:2/' }, env).endpoint).toBe('http://y:2');
    removeLocalEndpoints(dir);
    expect(connectionFrom({}, env).endpoint).toBe('http://127.0.0.1:3000');
  });

  it('finds a busy port before any work, naming the variable and the fix', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const busy = (server.address() as { port: number }).port;
    try {
      await expect(assertPortsFree([{ name: 'primary', port: busy, variable: 'PORT' }])).rejects.toThrow(
        new RegExp(`port ${busy} \\(the primary, PORT\\) is already in use.*PORT=${busy + 100} npm start`),
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await expect(
      assertPortsFree([{ name: 'primary', port: busy, variable: 'PORT' }]),
    ).resolves.toBeUndefined();
  });
});

describe('an unknown verb', () => {
  it.each([
    [['serch', '--endpoint', 'http://x'], '`serch` is not a verb; did you mean `search`?'],
    [['agent', 'verfy', '--data', 'f'], '`agent verfy` is not a verb; did you mean `agent verify`?'],
    [['totpp', 'alice'], '`totpp` is not a verb; did you mean `totp`?'],
    [['frobnicate'], '`frobnicate` is not a verb\n'],
    [['--endpoint', 'http://x'], 'name a verb before the options (--endpoint)'],
  ])('%j is named plainly, with the nearest verb', async (argv, message) => {
    const console = io();
    expect(await main(argv, console)).toBe(2);
    expect(console.err).toContain(message);
    expect(console.err).not.toContain('http://x');
  });
});
