/**
 * The identity team is told of every issue, view, reset and use of a code, from the audit items as the
 * table's real stream shows them (DynamoDB Local): once the act's audit item is written, its event is
 * published, at least once, with the audit event's id to deduplicate on; never a secret in it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalAuditTrail } from '../../../local/audit-trail';
import { LocalEventPublisher } from '../../../local/identity-events';
import type { IdentityEvent } from '../../../shared/domain/identity-events';
import type { OutboxEvent } from '../../../shared/domain/model';
import type { EventPublisher } from '../../../shared/ports/event-publisher';
import { auditEventOf } from '../../../shared/use-cases/audit';
import type { UseCaseDependencies } from '../../../shared/use-cases/context';
import { changeEmergencyAccess, viewEmergencyAccess } from '../../../shared/use-cases/emergency-access';
import { seedDemo, USERS } from '../../support/demo';
import { startTestSystem, type TestSystem } from '../../support/system';
import { agentLogin, nextPasscode, TestClock } from '../../support/agent';

const [alice, bob] = USERS;

/** Keeps what it is given; fails the next `failures` calls first, as an unreachable bus would. */
class RecordingPublisher implements EventPublisher {
  readonly events: IdentityEvent[] = [];
  failures = 0;
  calls = 0;
  async publish(events: readonly IdentityEvent[]): Promise<void> {
    this.calls += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('the bus is unreachable');
    }
    this.events.push(...events);
  }
}

let system: TestSystem;
let deps: UseCaseDependencies;
const clock = new TestClock();
let publisher: RecordingPublisher;
let trail: LocalAuditTrail;

beforeAll(async () => {
  system = await startTestSystem();
  await seedDemo(system);
  deps = { ...system.deps, clock: clock.read };
  publisher = new RecordingPublisher();
  trail = await LocalAuditTrail.open({
    client: system.table.client,
    tableName: system.table.tableName,
    regionName: deps.regionName,
    publisher,
    from: 'now',
  });
});

afterAll(async () => {
  await trail.stop();
  await system.stop();
});

const jane = (requestId: string) => ({ id: 'jane.admin', via: 'console', domains: '*' as const, requestId });

describe('identity events from the audit stream', () => {
  it('tells of an issue, a view, a reset and an online use, with the owner, and never the code', async () => {
    const login = await agentLogin(system, deps, 'alice', nextPasscode(clock, alice));
    expect(login.status).toBe(200);
    const view = await viewEmergencyAccess(deps, jane('events-view'), alice.serial);
    const code = view.tokencode;
    expect(code).toMatch(/^[A-Z0-9]{12}$/);
    await changeEmergencyAccess(
      deps,
      jane('events-online'),
      alice.serial,
      { onlineUseAllowed: true },
      undefined,
    );
    const used = await agentLogin(system, deps, 'alice', `${alice.pin}${code}`);
    expect(used.body.outcome).toBe('accept');
    await changeEmergencyAccess(deps, jane('events-reset'), alice.serial, { resetOffline: true }, undefined);

    await trail.drain();
    const types = publisher.events.map((e) => e.detailType);
    expect(types).toEqual([
      'Emergency Code Issued',
      'Emergency Code Viewed',
      'Emergency Code Used Online',
      'Emergency Code Reset',
    ]);
    for (const event of publisher.events) {
      expect(event.source).toBe('eat.emergency-access');
      expect(event.detail).toMatchObject({
        version: 1,
        serial: alice.serial,
        userId: 'alice',
        securityDomain: 'SystemDomain',
        region: deps.regionName,
        outcome: 'success',
      });
      expect(event.detail.eventId).toMatch(/^[0-9a-f]{24}$/);
    }
    expect(publisher.events[1]!.detail).toMatchObject({
      actor: 'jane.admin',
      requestId: 'events-view',
      details: { generation: 1, codeShown: true, via: 'console' },
    });
    // Online use on is audited but is not an act on the code: not told.
    expect(publisher.events.some((e) => e.detail.requestId === 'events-online')).toBe(false);
    const everything = JSON.stringify(publisher.events);
    expect(everything).not.toContain(code!);
    expect(everything).not.toContain(alice.pin);
    expect(everything).not.toContain(alice.seed);
  });

  it('publishes again what the bus refused, with the same ids, and nothing twice once taken', async () => {
    const before = publisher.events.length;
    await viewEmergencyAccess(deps, jane('events-refused-once'), bob.serial);
    publisher.failures = 1;
    const first = await trail.runOnce();
    expect(first.retrying).toBe(1);
    expect(publisher.events).toHaveLength(before);
    await trail.drain();
    const told = publisher.events.slice(before);
    expect(told.map((e) => e.detail.requestId)).toEqual(['events-refused-once']);
    await trail.drain();
    expect(publisher.events).toHaveLength(before + 1);
  });

  it('publishes only its own region’s events, and only acts that happened', async () => {
    const before = publisher.events.length;
    const other: OutboxEvent = {
      ...auditEventOf(deps, {
        serial: bob.serial,
        action: 'emergency-access.view',
        actor: 'jane.admin',
        requestId: 'events-other-region',
        outcome: 'success',
      }),
      region: 'another-region',
    };
    await deps.store.appendAudit(other);
    await deps.store.appendAudit(
      auditEventOf(deps, {
        serial: bob.serial,
        action: 'authenticate.emergency-access',
        actor: 'win-agent-1',
        requestId: 'events-rejected',
        outcome: 'denied',
        details: { reason: 'ONLINE_USE_NOT_ALLOWED' },
      }),
    );
    await trail.drain();
    expect(publisher.events.slice(before)).toEqual([]);
  });
});

describe('the local webhook', () => {
  let server: Server;
  const received: unknown[] = [];
  let refuse = 0;

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        if (refuse > 0) {
          refuse -= 1;
          response.statusCode = 500;
        } else {
          received.push({ contentType: request.headers['content-type'], body: JSON.parse(body) });
          response.statusCode = 204;
        }
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('POSTs each event in EventBridge’s envelope, prints it, and offers it again after a refusal', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const lines: string[] = [];
    const webhookTrail = await LocalAuditTrail.open({
      client: system.table.client,
      tableName: system.table.tableName,
      regionName: deps.regionName,
      publisher: new LocalEventPublisher({ webhookUrl: url, print: (line) => lines.push(line) }),
      from: 'now',
    });
    try {
      await viewEmergencyAccess(deps, jane('events-webhook'), alice.serial);
      refuse = 1;
      expect((await webhookTrail.runOnce()).retrying).toBe(1);
      expect(received).toEqual([]);
      expect(lines).toEqual([]);
      await webhookTrail.drain();
    } finally {
      await webhookTrail.stop();
    }
    expect(received).toEqual([
      {
        contentType: 'application/json',
        body: expect.objectContaining({
          id: expect.stringMatching(/^[0-9a-f]{24}$/),
          source: 'eat.emergency-access',
          'detail-type': 'Emergency Code Viewed',
          region: deps.regionName,
          detail: expect.objectContaining({
            serial: alice.serial,
            userId: 'alice',
            requestId: 'events-webhook',
          }),
        }),
      },
    ]);
    const { id } = (received[0] as { body: { id: string } }).body;
    expect((received[0] as { body: { detail: { eventId: string } } }).body.detail.eventId).toBe(id);
    expect(lines).toEqual([expect.stringContaining(`Emergency Code Viewed  token ${alice.serial}`)]);
  });
});
