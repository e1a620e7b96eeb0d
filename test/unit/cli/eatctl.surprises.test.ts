import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../cli/eatctl';
import { offlineDataPath, writeSecretFile } from '../../../cli/offline-file';
import type { Io } from '../../../cli/verb';
import { projectRoot } from '../../../local/engines';

function io(answer?: string): Io & { out: string; err: string; asked: string[] } {
  const captured = {
    out: '',
    err: '',
    asked: [] as string[],
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
    readStdin: async () => '',
    ...(answer === undefined
      ? {}
      : {
          ask: async (question: string) => {
            captured.asked.push(question);
            return answer;
          },
        }),
  };
  return captured;
}

const root = projectRoot();
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'eatctl-surprises-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('where --save-data puts offline data', () => {
  const places = () => ({ cwd: root, root, dataDir: join(root, '.local') });

  it('puts a bare name under .local/offline/, which git ignores', () => {
    expect(offlineDataPath('alice.json', places())).toBe(join(root, '.local', 'offline', 'alice.json'));
  });

  it('refuses a path inside the repository that git does not ignore, naming the safe place', () => {
    for (const given of ['./alice.json', 'cli/alice.json', join(root, 'docs', 'alice.json')]) {
      expect(() => offlineDataPath(given, places())).toThrow(
        /inside the repository and git does not ignore it.*--save-data alice\.json saves to \.local\/offline\/alice\.json/,
      );
    }
  });

  it('takes a path git ignores, or one outside the repository', () => {
    expect(offlineDataPath('.local/alice.json', places())).toBe(join(root, '.local', 'alice.json'));
    expect(offlineDataPath('coverage/alice.json', places())).toBe(join(root, 'coverage', 'alice.json'));
    expect(offlineDataPath(join(dir, 'alice.json'), places())).toBe(join(dir, 'alice.json'));
  });

  it('refuses before the login, so no tokencode is spent on a file that would not be saved', async () => {
    let calls = 0;
    const server: Server = createServer((_request, response) => {
      calls += 1;
      response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const console = io();
      const argv = ['agent', 'authenticate', '--user', 'alice', '--passcode', '2468123456'];
      const code = await main(
        [...argv, '--save-data', 'README.json', '--endpoint', `http://127.0.0.1:${port}`, '--token', 't'],
        console,
      );
      // A bare name is fine (it goes under .local/offline/); a relative path at the root is not.
      expect(code).toBe(3);
      const refused = io();
      const cwd = process.cwd();
      process.chdir(root);
      try {
        expect(
          await main(
            [
              ...argv,
              '--save-data',
              './alice.json',
              '--endpoint',
              `http://127.0.0.1:${port}`,
              '--token',
              't',
            ],
            refused,
          ),
        ).toBe(2);
      } finally {
        process.chdir(cwd);
      }
      expect(refused.err).toContain('git does not ignore it');
      expect(calls).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('writes mode 0600, even over a file that was readable by others', () => {
    const file = join(dir, 'offline', 'alice.json');
    mkdirSync(join(dir, 'offline'));
    writeFileSync(file, 'old', { mode: 0o644 });
    writeSecretFile(file, '{"new":true}');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('{"new":true}');
    const fresh = join(dir, 'made', 'bob.json');
    writeSecretFile(fresh, '{}');
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'made')).mode & 0o777).toBe(0o700);
  });
});

describe('a sweep as of a time in the future', () => {
  let swept: unknown[];
  let server: Server;
  let endpoint: string;
  beforeEach(async () => {
    swept = [];
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        swept.push(JSON.parse(body));
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ now: 'x', due: 1, expired: 1, skipped: 0, failed: 0, stopReason: null }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterEach(() => new Promise((resolve) => server.close(resolve)));

  const future = new Date(Date.now() + 31 * 86_400_000).toISOString();

  it('is refused without a terminal to ask and without --yes, and sweeps nothing', async () => {
    const console = io();
    expect(await main(['sweep', '--now', future, '--endpoint', endpoint], console)).toBe(2);
    expect(console.err).toMatch(/31\.0 days in the future: every offline emergency code .* Add --yes/);
    expect(swept).toEqual([]);
  });

  it('asks first on a terminal: no sweeps nothing, yes sweeps', async () => {
    const declined = io('n');
    expect(await main(['sweep', '--now', future, '--endpoint', endpoint], declined)).toBe(2);
    expect(declined.asked[0]).toContain('Expire them? [y/N]');
    expect(declined.out).toBe('nothing swept\n');
    expect(swept).toEqual([]);
    expect(await main(['sweep', '--now', future, '--endpoint', endpoint], io('yes'))).toBe(0);
    expect(swept).toEqual([{ now: future }]);
  });

  it('says how far ahead in minutes or hours when less than a day', async () => {
    for (const [minutes, said] of [
      [10, '10 minutes'],
      [300, '5 hours'],
    ] as const) {
      const console = io();
      const soon = new Date(Date.now() + minutes * 60_000 + 10_000).toISOString();
      expect(await main(['sweep', '--now', soon, '--endpoint', endpoint], console)).toBe(2);
      expect(console.err).toContain(`is ${said} in the future`);
    }
    expect(swept).toEqual([]);
  });

  it('goes ahead with --yes, and without asking for now or the past', async () => {
    expect(await main(['sweep', '--now', future, '--yes', '--endpoint', endpoint], io())).toBe(0);
    const past = io();
    expect(await main(['sweep', '--now', '2026-01-01T00:00:00Z', '--endpoint', endpoint], past)).toBe(0);
    expect(await main(['sweep', '--endpoint', endpoint], io())).toBe(0);
    expect(swept).toEqual([{ now: future }, { now: '2026-01-01T00:00:00Z' }, {}]);
    expect(past.out).toMatch(/^now +x\ndue +1\nexpired +1\n/);
  });
});
