/**
 * The local system's identity events end to end: `npm start` (`node --import tsx local/start.ts --fresh`) with
 * `EAT_EVENTS_WEBHOOK` naming a webhook on a loopback port of this test; an agent's login issues alice's
 * code, an administrator views and resets it through the API, and the webhook receives each act as
 * EventBridge's envelope (docs/identity-events.md), with no code in any of them. The webhook refuses its
 * first delivery: the trail offers that event again (at least once).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

interface Delivery {
  status: number;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  event: any;
}

let webhook: Server;
const deliveries: Delivery[] = [];
let system: LocalProcess;

beforeAll(async () => {
  webhook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      // The first delivery is refused, as a webhook that is down would.
      const status = deliveries.length === 0 ? 503 : 200;
      deliveries.push({ status, body, event: JSON.parse(body) });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const { port } = webhook.address() as AddressInfo;
  system = await startLocalProcess({ EAT_EVENTS_WEBHOOK: `http://127.0.0.1:${port}/events` });
});

afterAll(async () => {
  await system?.stop();
  await new Promise((resolve) => webhook?.close(resolve));
});

/** Waits until the webhook has accepted an event of each detail-type (the trail polls the stream). */
async function accepted(types: string[]): Promise<Delivery[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = deliveries.filter((d) => d.status === 200);
    if (types.every((type) => ok.some((d) => d.event['detail-type'] === type))) return ok;
    if (Date.now() > deadline) {
      throw new Error(`The webhook got ${JSON.stringify(deliveries.map((d) => d.event['detail-type']))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('a login, a view and a reset through the API reach the webhook as identity events, none with the code', async () => {
  const agent = await localClientToken(system.primary, 'win-agent-1');
  const admin = await localClientToken(system.primary, 'helpdesk');
  const login = await callLocalApi(system.primary, agent, 'POST', '/v1/agent/authenticate', {
    userId: ALICE.userId,
    passcode: ALICE.pin + totp(ALICE.seed, new Date()),
  });
  expect(login.body).toMatchObject({ outcome: 'accept' });
  const page = `/v1/tokens/${ALICE.serial}/emergency-access`;
  const view = await callLocalApi(system.primary, admin, 'GET', page);
  expect(view.status).toBe(200);
  const code: string = view.body.offline.tokencode;
  expect(code).toMatch(/^[A-Z0-9]{12}$/);
  expect((await callLocalApi(system.primary, admin, 'POST', `${page}/reset`)).status).toBe(200);

  const ok = await accepted(['Emergency Code Issued', 'Emergency Code Viewed', 'Emergency Code Reset']);
  const byType = (type: string) => ok.find((d) => d.event['detail-type'] === type)!.event;
  const envelope = {
    version: '0',
    source: 'eat.emergency-access',
    region: 'local-primary',
    resources: [],
  };
  expect(byType('Emergency Code Issued')).toMatchObject({
    ...envelope,
    detail: { serial: ALICE.serial, userId: 'alice', actor: 'win-agent-1', details: { generation: 1 } },
  });
  expect(byType('Emergency Code Viewed')).toMatchObject({
    ...envelope,
    detail: {
      action: 'emergency-access.view',
      serial: ALICE.serial,
      userId: 'alice',
      securityDomain: 'SystemDomain',
      actor: 'helpdesk',
      details: { codeShown: true },
    },
  });
  expect(byType('Emergency Code Reset')).toMatchObject({
    ...envelope,
    detail: { action: 'emergency-access.reset', actor: 'helpdesk', details: { resetOffline: true } },
  });
  for (const { event } of ok) expect(event.id).toBe(event.detail.eventId);

  // The refused first delivery was offered again and accepted: every event delivered reached 200.
  const [refused] = deliveries;
  expect(refused!.status).toBe(503);
  expect(ok.map((d) => d.event.id)).toContain(refused!.event.id);
  // Nothing secret on the wire, and each act printed as an `event:` line too.
  expect(deliveries.map((d) => d.body).join('\n')).not.toContain(code);
  expect(system.output()).toMatch(
    new RegExp(
      `event: local-primary {2}Emergency Code Viewed {2}token ${ALICE.serial} generation 1 {2}user alice {2}by helpdesk`,
    ),
  );
});
