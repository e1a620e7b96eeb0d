/** `eatctl regions`: its table, `--wait` asking again until every region has the change, and its exits. */
import { createServer, type Server } from 'node:http';
import { main } from '../../../../cli/eatctl';

const reply = (replicaState: 'pending' | 'replicated') => ({
  serial: '000100000001',
  writtenIn: 'local-primary',
  written: [
    { item: 'administrators-settings', version: 2, changedAt: '2026-12-01T10:00:00.000Z' },
    { item: 'lockout', version: 0, changedAt: null },
  ],
  changedAt: '2026-12-01T10:00:00.000Z',
  checkedAt: '2026-12-01T10:00:03.000Z',
  regions: [
    {
      region: 'local-primary',
      state: 'origin',
      items: [
        { item: 'administrators-settings', version: 2 },
        { item: 'lockout', version: 0 },
      ],
    },
    {
      region: 'local-replica',
      state: replicaState,
      items: [
        { item: 'administrators-settings', version: replicaState === 'pending' ? 1 : 2 },
        { item: 'lockout', version: 0 },
      ],
    },
  ],
  replicatedEverywhere: replicaState === 'replicated',
});

let server: Server;
let endpoint: string;
let asked: string[];
/** How many answers are pending before the replica has the change. */
let pendingAnswers: number;

beforeEach(async () => {
  asked = [];
  server = createServer((request, response) => {
    asked.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(reply(asked.length <= pendingAnswers ? 'pending' : 'replicated')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterEach(() => new Promise((resolve) => server.close(resolve)));

function io() {
  const out = { out: '', err: '' };
  return Object.assign(out, {
    stdout: (text: string) => void (out.out += text),
    stderr: (text: string) => void (out.err += text),
    readStdin: async () => '',
  });
}

const run = (console: ReturnType<typeof io>, ...args: string[]) =>
  main(['regions', ...args, '--endpoint', endpoint, '--token', 'test-token'], console);

it('prints each region, its state and its versions, and how long ago the change was saved', async () => {
  pendingAnswers = 1;
  const console = io();
  expect(await run(console, '000100000001')).toBe(0);
  expect(asked).toEqual(['GET /v1/tokens/000100000001/replication']);
  expect(console.out).toMatch(/last change\s+2026-12-01T10:00:00.000Z \(3 s before the check\)/);
  expect(console.out).toMatch(/everywhere\s+not yet/);
  expect(console.out).toMatch(/local-primary\s+saved here\s+v2\s+v0/);
  expect(console.out).toMatch(/local-replica\s+pending\s+v1\s+v0/);
});

it('with --wait, asks again until every region has the change', async () => {
  pendingAnswers = 2;
  const console = io();
  expect(await run(console, '000100000001', '--wait', '20')).toBe(0);
  expect(asked).toHaveLength(3);
  expect(console.out).toMatch(/local-replica\s+replicated\s+v2/);
});

it('with --wait, exits 1 when a region still lacks the change in time', async () => {
  pendingAnswers = Infinity;
  const console = io();
  expect(await run(console, '000100000001', '--wait', '1')).toBe(1);
  expect(asked.length).toBeGreaterThan(1);
  expect(console.out).toMatch(/local-replica\s+pending/);
});

it('refuses a --wait that is not whole seconds, asking nothing', async () => {
  const console = io();
  expect(await run(console, '000100000001', '--wait', 'soon')).toBe(2);
  expect(console.err).toContain('--wait takes whole seconds');
  expect(asked).toEqual([]);
});
