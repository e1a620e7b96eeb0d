/**
 * A reason before a view and dual control (docs/api.md), through the real functions over DynamoDB Local:
 * the domain's view policy set through its PUT, the refusals that change nothing, the requests, their
 * approval by a second administrator, the one view, the deadlines, the region that holds a request, and
 * the races a conditional write decides.
 */
import { viewEmergencyAccessRoute } from '../../../functions/api/contract/admin-routes';
import {
  getSecurityDomainRoute,
  putSecurityDomainRoute,
} from '../../../functions/api/contract/management-routes';
import { emergencyAccessPage, errorBody, pageOf } from '../../../functions/api/contract/schemas';
import {
  approveViewRequestRoute,
  cancelViewRequestRoute,
  denyViewRequestRoute,
  getViewRequestRoute,
  listViewRequestsRoute,
  requestViewRoute,
  viewRequestView,
} from '../../../functions/api/contract/view-approval-routes';
import { LocalAuditMaterializer } from '../../../local/audit-materializer';
import { DependencyUnavailableError } from '../../../shared/domain/errors';
import type { ViewPolicy } from '../../../shared/domain/view-policy';
import { giveOfflineCode, seedDemo, USERS } from '../../support/demo';
import { ADMIN, JANE, SALES_ADMIN, type Claims } from '../../support/events';
import { startTestSystem, type Reply, type TestSystem } from '../../support/system';

const [alice, , carol] = USERS;
const CODE = 'K7QM2XHP';
const REASON = 'Alice is offline at a customer site, ticket opened by phone';
const MINUTE = 60_000;

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
  await seedDemo(system);
  await giveOfflineCode(system, alice, CODE);
});

afterAll(async () => {
  await system.stop();
});

function expectError(reply: Reply, status: number, code: string, reasons?: string[]) {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
  expect(errorBody.parse(reply.body)).toEqual(reply.body);
  if (reasons !== undefined) expect(reply.body.error.reasons).toEqual(reasons);
  expect(reply.raw).not.toContain(CODE);
}

/** Sets a domain's view policy through its PUT, keeping the rest of the domain as it is. */
async function setViewPolicy(domainId: string, viewPolicy: Partial<ViewPolicy>): Promise<Reply> {
  const current = await system.call(getSecurityDomainRoute, { params: { domainId } });
  const { name, offlinePolicy, pinPolicy } = current.body;
  return system.call(putSecurityDomainRoute, {
    params: { domainId },
    body: { name, offlinePolicy, pinPolicy, viewPolicy },
    headers: { 'If-Match': current.headers.etag! },
  });
}

async function auditOf(serial: string) {
  return (await system.deps.store.listAudit(serial, { limit: 100 })).items;
}

const view = (query: Record<string, string> = {}, claims: Claims = JANE) =>
  system.call(viewEmergencyAccessRoute, { params: { serial: alice.serial }, query, claims });

const ask = (body: object, claims: Claims = JANE) =>
  system.call(requestViewRoute, { params: { serial: alice.serial }, body, claims });

const decide = (
  route: typeof approveViewRequestRoute | typeof denyViewRequestRoute | typeof cancelViewRequestRoute,
  id: string,
  claims: Claims,
) => system.call(route, { params: { serial: alice.serial, requestId: id }, claims });

/** The deps of the functions, at another time or in another region. */
const depsAt = (offsetMs: number, regionName = system.deps.regionName) => ({
  ...system.deps,
  regionName,
  clock: () => new Date(Date.now() + offsetMs),
});

describe('the view policy, through the security domain PUT', () => {
  it('stores and shows it; refuses a pattern that is not the fixed syntax, or whose repeats are ambiguous', async () => {
    const set = await setViewPolicy('Contractors', { reasonRequired: true, ticketPattern: '@+-#+' });
    expect(set.status).toBe(200);
    expect(set.body.viewPolicy).toEqual({
      reasonRequired: true,
      ticketPattern: '@+-#+',
      dualControl: false,
      approvalMinutes: 60,
      viewMinutes: 15,
    });
    for (const [pattern, reason] of [
      ['(a+)+$', 'ticketPattern: only # @ + letters digits - _ . / : are allowed'],
      ['#+#', 'ticketPattern: #+ must be followed by the end or something it cannot match'],
      ['@+B-#', 'ticketPattern: @+ must be followed by the end or something it cannot match'],
      ['+#', 'ticketPattern: + follows only # or @'],
    ]) {
      const refused = await setViewPolicy('Contractors', { ticketPattern: pattern });
      expectError(refused, 400, 'VALIDATION_FAILED', [`body.viewPolicy: ${reason}`]);
    }
    expectError(
      await setViewPolicy('Contractors', { approvalMinutes: 0, viewMinutes: 2000 }),
      400,
      'VALIDATION_FAILED',
      [
        'body.viewPolicy: approvalMinutes must be an integer from 1 to 1440',
        'body.viewPolicy: viewMinutes must be an integer from 1 to 1440',
      ],
    );
    expect((await setViewPolicy('Contractors', {})).body.viewPolicy.reasonRequired).toBe(false);
  });

  it('leaves a domain without one as it was: the view needs no reason', async () => {
    const reply = await view();
    expect(reply.status).toBe(200);
    expect(reply.body.offline.tokencode).toBe(CODE);
  });
});

describe('a reason before a view', () => {
  beforeAll(async () => {
    expect(
      (await setViewPolicy('SystemDomain', { reasonRequired: true, ticketPattern: 'INC#+' })).status,
    ).toBe(200);
  });

  it('refuses a view without a reason, or without a ticket of the pattern, and writes nothing', async () => {
    const before = await auditOf(alice.serial);
    expectError(await view(), 422, 'REASON_REQUIRED');
    expectError(await view({ reason: '   ' }), 400, 'VALIDATION_FAILED');
    expectError(await view({ reason: REASON }), 422, 'TICKET_INVALID');
    for (const ticket of ['CHG0012345', 'INC', 'INC12a', 'inc123', `INC${'1'.repeat(62)}`]) {
      expectError(
        await view({ reason: REASON, ticket }),
        ticket.length > 64 ? 400 : 422,
        ticket.length > 64 ? 'VALIDATION_FAILED' : 'TICKET_INVALID',
      );
    }
    expect(await auditOf(alice.serial)).toEqual(before);
  });

  it('bounds and checks the reason text', async () => {
    expectError(await view({ reason: 'x'.repeat(501), ticket: 'INC1' }), 400, 'VALIDATION_FAILED', [
      'query.reason: a reason is 5 to 500 characters',
    ]);
    expectError(await view({ reason: 'why\u0000not at all', ticket: 'INC1' }), 400, 'VALIDATION_FAILED', [
      'query.reason: a reason has no control characters',
    ]);
    expectError(await view({ reason: 'why', ticket: 'INC1' }), 400, 'VALIDATION_FAILED');
  });

  it('shows the code with both, and the view event carries them', async () => {
    const reply = await view({ reason: REASON, ticket: 'INC0012345' });
    expect(reply.status).toBe(200);
    expect(emergencyAccessPage.parse(reply.body).offline.tokencode).toBe(CODE);
    const [event] = await auditOf(alice.serial);
    expect(event).toMatchObject({
      action: 'emergency-access.view',
      actor: 'jane.admin',
      details: { codeShown: true, justification: REASON, ticket: 'INC0012345', via: 'eat-console' },
    });
    expect(JSON.stringify(await auditOf(alice.serial))).not.toContain(CODE);
  });
});

describe('dual control', () => {
  beforeAll(async () => {
    const set = await setViewPolicy('SystemDomain', {
      ticketPattern: 'INC#+',
      dualControl: true,
      approvalMinutes: 30,
      viewMinutes: 10,
    });
    expect(set.status).toBe(200);
  });

  it('refuses a direct view, even with a reason', async () => {
    expectError(await view({ reason: REASON, ticket: 'INC1' }), 403, 'APPROVAL_REQUIRED');
  });

  it('refuses a request in a domain without dual control, and one without the ticket', async () => {
    await giveOfflineCode(system, carol, 'CAROLCODE');
    const elsewhere = await system.call(requestViewRoute, {
      params: { serial: carol.serial },
      body: { reason: REASON },
      claims: JANE,
    });
    expectError(elsewhere, 409, 'PRECONDITION_NOT_MET', ['DUAL_CONTROL_OFF']);
    expectError(await ask({ reason: REASON }), 422, 'TICKET_INVALID');
    expectError(await ask({ ticket: 'INC1' }), 400, 'VALIDATION_FAILED');
  });

  it('asks, waits for a second administrator, then shows the code to the requester alone, once', async () => {
    const asked = await ask({ reason: REASON, ticket: 'INC77' });
    expect(asked.status).toBe(201);
    const request = viewRequestView.parse(asked.body);
    expect(request).toMatchObject({
      serial: alice.serial,
      user: { userId: 'alice', firstName: 'Alice', lastName: 'Archer' },
      securityDomain: 'SystemDomain',
      region: 'test-primary',
      requestedBy: 'jane.admin',
      reason: REASON,
      ticket: 'INC77',
      status: 'pending',
      yours: true,
    });
    expect(Date.parse(request.approveBy) - Date.parse(request.requestedAt)).toBe(30 * MINUTE);
    const id = request.id;

    // Not yet approved; the requester cannot approve; an administrator of another domain sees nothing.
    expectError(await view({ approval: id }), 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_PENDING']);
    expectError(await decide(approveViewRequestRoute, id, JANE), 403, 'FORBIDDEN', ['SELF_APPROVAL']);
    expectError(await decide(approveViewRequestRoute, id, SALES_ADMIN), 404, 'NOT_FOUND');
    const salesList = await system.call(listViewRequestsRoute, { claims: SALES_ADMIN });
    expect(salesList.body.items).toEqual([]);
    expect(salesList.raw).not.toContain(alice.serial);

    // The approver finds it in the pending list and approves it.
    const list = await system.call(listViewRequestsRoute, { claims: ADMIN });
    expect(pageOf(viewRequestView).parse(list.body).items).toEqual([
      expect.objectContaining({ id, status: 'pending', yours: false }),
    ]);
    const approved = await decide(approveViewRequestRoute, id, ADMIN);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: 'helpdesk' });
    expect(Date.parse(approved.body.viewBy) - Date.parse(approved.body.decidedAt)).toBe(10 * MINUTE);
    expect((await system.call(listViewRequestsRoute, { claims: ADMIN })).body.items).toEqual([]);
    expectError(await decide(denyViewRequestRoute, id, ADMIN), 409, 'PRECONDITION_NOT_MET', [
      'VIEW_REQUEST_APPROVED',
    ]);

    // Only the requester may use it: to anyone else it does not exist.
    expectError(await view({ approval: id }, ADMIN), 404, 'NOT_FOUND');
    const seen = await view({ approval: id });
    expect(seen.status).toBe(200);
    expect(seen.body.offline.tokencode).toBe(CODE);
    expectError(await view({ approval: id }), 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_USED']);
    const got = await system.call(getViewRequestRoute, {
      params: { serial: alice.serial, requestId: id },
      claims: ADMIN,
    });
    expect(got.body).toMatchObject({ status: 'viewed', viewedAt: expect.any(String) });

    const trail = (await auditOf(alice.serial)).filter((e) => e.details.request === id);
    expect(trail.map((e) => `${e.action}:${e.actor}`)).toEqual([
      'emergency-access.view:jane.admin',
      'emergency-access.view-approved:helpdesk',
      'emergency-access.view-requested:jane.admin',
    ]);
    expect(trail[0]!.details).toMatchObject({
      codeShown: true,
      approvedBy: 'helpdesk',
      justification: REASON,
      ticket: 'INC77',
    });
    const item = await system.deps.store.getViewRequest(alice.serial, id);
    expect(JSON.stringify([trail, item])).not.toContain(CODE);
  });

  it('a denied request opens nothing', async () => {
    const { id } = (await ask({ reason: REASON, ticket: 'INC78' })).body;
    const denied = await decide(denyViewRequestRoute, id, ADMIN);
    expect(denied.body).toMatchObject({ status: 'denied', decidedBy: 'helpdesk', viewBy: null });
    expectError(await view({ approval: id }), 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_DENIED']);
    expectError(await decide(approveViewRequestRoute, id, ADMIN), 409, 'PRECONDITION_NOT_MET', [
      'VIEW_REQUEST_DENIED',
    ]);
    const [event] = (await auditOf(alice.serial)).filter((e) => e.details.request === id);
    expect(event).toMatchObject({ action: 'emergency-access.view-denied', actor: 'helpdesk' });
  });

  it('an approval that comes too late, or a view after the window, finds the request expired, and says so in the trail', async () => {
    const late = (await ask({ reason: REASON, ticket: 'INC79' })).body.id;
    const tooLate = await system.callWith(depsAt(31 * MINUTE), approveViewRequestRoute, {
      params: { serial: alice.serial, requestId: late },
      claims: ADMIN,
    });
    expectError(tooLate, 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_EXPIRED']);
    expect((await system.deps.store.getViewRequest(alice.serial, late))!.status).toBe('expired');

    const unused = (await ask({ reason: REASON, ticket: 'INC80' })).body.id;
    expect((await decide(approveViewRequestRoute, unused, ADMIN)).status).toBe(200);
    const afterWindow = await system.callWith(depsAt(11 * MINUTE), viewEmergencyAccessRoute, {
      params: { serial: alice.serial },
      query: { approval: unused },
      claims: JANE,
    });
    expectError(afterWindow, 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_EXPIRED']);
    const expired = (await auditOf(alice.serial)).filter((e) => e.action === 'emergency-access.view-expired');
    // Stamped with the clocks of their calls (31 and 11 minutes ahead): compared as a set.
    expect(expired.map((e) => `${e.details.request}:${e.details.was}`).sort()).toEqual(
      [`${unused}:approved`, `${late}:pending`].sort(),
    );
  });

  it('is decided and used only in the region that holds it', async () => {
    const id = (await ask({ reason: REASON, ticket: 'INC81' })).body.id;
    const there = await system.callWith(depsAt(0, 'test-replica'), approveViewRequestRoute, {
      params: { serial: alice.serial, requestId: id },
      claims: ADMIN,
    });
    expectError(there, 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_OTHER_REGION']);
    expect((await decide(approveViewRequestRoute, id, ADMIN)).status).toBe(200);
    const viewThere = await system.callWith(depsAt(0, 'test-replica'), viewEmergencyAccessRoute, {
      params: { serial: alice.serial },
      query: { approval: id },
      claims: JANE,
    });
    expectError(viewThere, 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_OTHER_REGION']);
  });

  it('of an approval and a denial at once, one wins; of two views of one approval, one shows the code', async () => {
    const id = (await ask({ reason: REASON, ticket: 'INC82' })).body.id;
    const SAM: Claims = { ...JANE, sub: 'sam', username: 'sam.other' };
    const decisions = await Promise.all([
      decide(approveViewRequestRoute, id, ADMIN),
      decide(denyViewRequestRoute, id, SAM),
    ]);
    expect(decisions.filter((r) => r.status === 200)).toHaveLength(1);
    for (const lost of decisions.filter((r) => r.status !== 200)) expect([409, 412]).toContain(lost.status);

    const next = (await ask({ reason: REASON, ticket: 'INC83' })).body.id;
    expect((await decide(approveViewRequestRoute, next, ADMIN)).status).toBe(200);
    const views = await Promise.all([
      view({ approval: next }),
      view({ approval: next }),
      view({ approval: next }),
    ]);
    expect(views.filter((r) => r.body?.offline?.tokencode === CODE)).toHaveLength(1);
    for (const lost of views.filter((r) => r.status !== 200)) expect([409, 412]).toContain(lost.status);
  });
});

describe('cancelling a request, on DynamoDB', () => {
  it('withdraws a pending and an approved request: neither can then be approved or used, and the trail says who', async () => {
    const pending = (await ask({ reason: REASON, ticket: 'INC84' })).body.id;
    const cancelled = await decide(cancelViewRequestRoute, pending, JANE);
    expect(viewRequestView.parse(cancelled.body)).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'jane.admin',
    });
    expectError(await decide(approveViewRequestRoute, pending, ADMIN), 409, 'PRECONDITION_NOT_MET', [
      'VIEW_REQUEST_CANCELLED',
    ]);
    const list = await system.call(listViewRequestsRoute, { claims: ADMIN });
    expect(list.body.items.map((r: { id: string }) => r.id)).not.toContain(pending);

    const approved = (await ask({ reason: REASON, ticket: 'INC85' })).body.id;
    expect((await decide(approveViewRequestRoute, approved, ADMIN)).status).toBe(200);
    expect((await decide(cancelViewRequestRoute, approved, ADMIN)).body).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'helpdesk',
    });
    expectError(await view({ approval: approved }), 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_CANCELLED']);
    const [event] = (await auditOf(alice.serial)).filter((e) => e.details.request === approved);
    expect(event).toMatchObject({
      action: 'emergency-access.view-cancelled',
      actor: 'helpdesk',
      details: { requestedBy: 'jane.admin', was: 'approved' },
    });
  });

  it('of a cancel and the view at once, one wins: the code is shown and the cancel is 409, or neither shows it', async () => {
    for (const ticket of ['INC86', 'INC87', 'INC88']) {
      const id = (await ask({ reason: REASON, ticket })).body.id;
      expect((await decide(approveViewRequestRoute, id, ADMIN)).status).toBe(200);
      const [seen, cancelled] = await Promise.all([
        view({ approval: id }),
        decide(cancelViewRequestRoute, id, JANE),
      ]);
      const stored = (await system.deps.store.getViewRequest(alice.serial, id))!;
      if (seen.status === 200) {
        expect(seen.body.offline.tokencode).toBe(CODE);
        expectError(cancelled, 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_USED']);
        expect(stored.status).toBe('viewed');
      } else {
        expect(cancelled.status).toBe(200);
        expect([409, 412]).toContain(seen.status);
        expect(seen.raw).not.toContain(CODE);
        expect(stored.status).toBe('cancelled');
      }
    }
  });
});

describe('dual control when the audit append fails after the write', () => {
  let materializer: LocalAuditMaterializer;
  beforeAll(async () => {
    materializer = await LocalAuditMaterializer.open({
      client: system.table.client,
      tableName: system.table.tableName,
      regionName: system.deps.regionName,
      from: 'start',
    });
  });
  afterAll(async () => {
    await materializer.stop();
  });

  /** The functions' deps, but appending an audit event fails, as an unreachable table's would. */
  const failing = () => ({
    ...system.deps,
    store: new Proxy(system.deps.store, {
      get(target, name, receiver) {
        if (name === 'appendAudit') return () => Promise.reject(new DependencyUnavailableError('DynamoDB'));
        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }),
  });
  const eventsOf = async (id: string, action: string) =>
    (await auditOf(alice.serial)).filter((e) => e.details.request === id && e.action === action);

  it('the request, the approval and the one view each stay, with exactly one event each; the view still shows the code', async () => {
    const asked = await system.callWith(failing(), requestViewRoute, {
      params: { serial: alice.serial },
      body: { reason: REASON, ticket: 'INC90' },
      claims: JANE,
    });
    expect(asked.status).toBe(503);
    const [pending] = (await system.call(listViewRequestsRoute, { claims: ADMIN })).body.items.filter(
      (r: { ticket: string }) => r.ticket === 'INC90',
    );
    const id = pending.id as string;
    const approved = await system.callWith(failing(), approveViewRequestRoute, {
      params: { serial: alice.serial, requestId: id },
      claims: ADMIN,
    });
    expect(approved.status).toBe(503);
    expect((await system.deps.store.getViewRequest(alice.serial, id))!.status).toBe('approved');
    const seen = await system.callWith(failing(), viewEmergencyAccessRoute, {
      params: { serial: alice.serial },
      query: { approval: id },
      claims: JANE,
    });
    expect(seen.status).toBe(200);
    expect(seen.body.offline.tokencode).toBe(CODE);
    expect(await eventsOf(id, 'emergency-access.view')).toEqual([]);

    await materializer.drain();
    for (const action of ['view-requested', 'view-approved', 'view']) {
      expect([action, (await eventsOf(id, `emergency-access.${action}`)).length]).toEqual([action, 1]);
    }
  });
});
