/**
 * The local system as a user starts it (`node --import tsx local/start.ts --fresh`, what `npm start -- --fresh` runs),
 * driven over HTTP on both ports through the whole scenario, then stopped with Ctrl-C (SIGINT). The replica
 * is a real replica: what one region writes reaches the other after the replication delay, so the scenario
 * waits for replication (POST /local/replication/settle) wherever it crosses regions.
 */
import { createServer } from 'node:net';
import { decodeBase32, totp } from '../../shared/domain/totp';
import {
  callLocalApi,
  localClientToken,
  startLocalProcess,
  type LocalProcess,
} from '../support/local-process';

const ALICE = {
  userId: 'alice',
  serial: '000100000001',
  pin: '2468',
  seed: decodeBase32('JBSWY3DPEHPK3PXP'),
};

let system: LocalProcess;
let primary: string;
let replica: string;

beforeAll(async () => {
  system = await startLocalProcess();
  ({ primary, replica } = system);
});

afterAll(async () => {
  await system.stop();
});

async function local(base: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json()) as any };
}

/** Waits until everything written so far has reached the other region. */
async function replicated(): Promise<void> {
  const settled = await local(primary, 'POST', '/local/replication/settle');
  expect(settled.status).toBe(200);
  expect(settled.body).toMatchObject({ pending: 0, held: [] });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

it('runs the whole scenario over HTTP on the primary and the replica, then stops cleanly', async () => {
  expect(system.output()).toContain(`primary  (local-primary)  ${primary}`);
  expect(system.output()).toContain(`replica  (local-replica)  ${replica}`);
  expect(system.output()).toContain('the replica is a real replica');
  expect(system.output()).toMatch(/replicated to local-replica: \d+ items/);
  const admin = await localClientToken(primary, 'helpdesk');
  const agent = await localClientToken(primary, 'win-agent-1');
  const page = `/v1/tokens/${ALICE.serial}/emergency-access`;

  // No token, no entry; a token of the agent scope is not an administrator's.
  expect((await fetch(`${primary}/v1/tokens`)).status).toBe(401);
  expect((await callLocalApi(primary, agent, 'GET', '/v1/tokens')).status).toBe(403);

  const search = await callLocalApi(replica, admin, 'GET', '/v1/tokens?lastName=arch');
  expect(search.status).toBe(200);
  expect(search.body.items).toEqual([
    expect.objectContaining({
      serial: ALICE.serial,
      offlineEmergencyAccess: { state: 'none', expiresAt: null },
    }),
  ]);

  // A partition by hand: what the primary writes now stays there until it is released.
  const state = await local(replica, 'GET', '/local/replication');
  expect(state.body).toMatchObject({ regions: ['local-primary', 'local-replica'], delayMs: 1000, held: [] });
  expect((await local(primary, 'POST', '/local/replication/hold', { from: 'nowhere' })).status).toBe(400);
  const held = await local(primary, 'POST', '/local/replication/hold', {});
  expect(held.body.held).toEqual([{ from: 'local-primary', to: 'local-replica' }]);

  // First online login through the offline-capable agent: generation 1 is issued and downloaded.
  const login = await callLocalApi(primary, agent, 'POST', '/v1/agent/authenticate', {
    userId: ALICE.userId,
    passcode: ALICE.pin + totp(ALICE.seed, new Date()),
  });
  expect(login.body).toMatchObject({ outcome: 'accept', method: 'tokencode' });
  expect(login.body.offlineData.emergencyAccess.generation).toBe(1);
  expect(login.headers.get('cache-control')).toBe('no-store');
  const partitioned = await callLocalApi(replica, admin, 'GET', page);
  expect(partitioned.body.offline).toMatchObject({ state: 'none' });
  expect((await local(primary, 'GET', '/local/replication')).body.pending).toBeGreaterThan(0);
  expect((await local(primary, 'POST', '/local/replication/release')).body.held).toEqual([]);
  await replicated();

  const view = await callLocalApi(replica, admin, 'GET', page);
  expect(view.status).toBe(200);
  expect(view.body.offline).toMatchObject({ state: 'active', generation: 1, onlineUseAllowed: false });
  const firstCode: string = view.body.offline.tokencode;
  expect(firstCode).toMatch(/^[A-Z0-9]{12}$/);

  // The offline code is refused online until the administrator allows it (here on the replica).
  const withCode = { userId: ALICE.userId, passcode: ALICE.pin + firstCode, heldOffline: { generation: 1 } };
  expect((await callLocalApi(primary, agent, 'POST', '/v1/agent/authenticate', withCode)).body.outcome).toBe(
    'reject',
  );
  const allowed = await callLocalApi(replica, admin, 'PUT', `${page}/online-use`, { allowed: true });
  expect(allowed.body.offline.onlineUseAllowed).toBe(true);
  await replicated();
  const accepted = await callLocalApi(primary, agent, 'POST', '/v1/agent/authenticate', withCode);
  expect(accepted.body).toMatchObject({ outcome: 'accept', method: 'emergency-access' });

  // Reset with Save: the old code works until the next online login, which delivers generation 2.
  const before = await callLocalApi(primary, admin, 'GET', page);
  const saved = await callLocalApi(
    primary,
    admin,
    'PATCH',
    page,
    { resetOffline: true },
    { 'if-match': before.headers.get('etag')! },
  );
  expect(saved.body.offline).toMatchObject({ resetPending: true, generation: 1 });
  await replicated();
  const next = await callLocalApi(replica, agent, 'POST', '/v1/agent/authenticate', withCode);
  expect(next.body).toMatchObject({ outcome: 'accept' });
  expect(next.body.offlineData.emergencyAccess.generation).toBe(2);
  await replicated();
  const after = await callLocalApi(primary, admin, 'GET', page);
  expect(after.body.offline).toMatchObject({ generation: 2, resetPending: false, state: 'active' });
  expect(after.body.offline.tokencode).not.toBe(firstCode);
  expect((await callLocalApi(primary, agent, 'POST', '/v1/agent/authenticate', withCode)).body.outcome).toBe(
    'reject',
  );

  // The sweep, as of a time after the code's expiry: the code is expired and the view says so.
  const expiresAt = after.body.offline.expiresAt as string;
  const sweep = await fetch(`${primary}/local/sweep`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ now: new Date(Date.parse(expiresAt) + 60_000).toISOString() }),
  });
  expect(await sweep.json()).toMatchObject({ due: 1, expired: 1, failed: 0 });
  await replicated();
  const expired = await callLocalApi(replica, admin, 'GET', page);
  expect(expired.body.offline).toMatchObject({ state: 'expired', tokencode: null });

  const trail = await callLocalApi(primary, admin, 'GET', `/v1/tokens/${ALICE.serial}/audit?limit=100`);
  const regions = new Set(trail.body.items.map((e: { region: string }) => e.region));
  expect(regions).toEqual(new Set(['local-primary', 'local-replica']));

  // Ctrl-C: the gateways close, DynamoDB Local stops, the ports are released.
  expect(await system.stop()).toBe(0);
  expect(system.output()).toContain('Stopped.');
  for (const port of system.ports) expect(await portIsFree(port)).toBe(true);
});
