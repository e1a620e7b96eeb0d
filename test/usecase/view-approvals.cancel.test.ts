/**
 * Withdrawing a view request under dual control (docs/api.md), through the handlers on the in-memory
 * store: who may cancel, what a cancelled request still opens (nothing), the refusals that change nothing,
 * and the races its conditional write decides.
 */
import { viewEmergencyAccessRoute } from '../../functions/api/contract/admin-routes';
import {
  getSecurityDomainRoute,
  putSecurityDomainRoute,
} from '../../functions/api/contract/management-routes';
import { errorBody } from '../../functions/api/contract/schemas';
import {
  approveViewRequestRoute,
  cancelViewRequestRoute,
  denyViewRequestRoute,
  listViewRequestsRoute,
  requestViewRoute,
  viewRequestView,
} from '../../functions/api/contract/view-approval-routes';
import type { ViewRequest } from '../../shared/domain/view-request';
import type { UseCaseDependencies } from '../../shared/use-cases/context';
import { giveOfflineCode, startDemoSystem, USERS } from '../support/demo';
import { ADMIN, JANE, SALES_ADMIN, type Claims } from '../support/events';
import type { Reply, UseCaseSystem } from '../support/system';

const [alice] = USERS;
const CODE = 'K7QM2XHP';
const REASON = 'Alice is offline at a customer site';
const MINUTE = 60_000;
const OTHER: Claims = { ...JANE, sub: 'sam', username: 'sam.other' };

let system: UseCaseSystem;

beforeAll(async () => {
  ({ system } = await startDemoSystem());
  await giveOfflineCode(system, alice!, CODE);
  const current = await system.call(getSecurityDomainRoute, { params: { domainId: 'SystemDomain' } });
  const { name, offlinePolicy, pinPolicy } = current.body;
  const set = await system.call(putSecurityDomainRoute, {
    params: { domainId: 'SystemDomain' },
    body: {
      name,
      offlinePolicy,
      pinPolicy,
      viewPolicy: { dualControl: true, approvalMinutes: 30, viewMinutes: 10 },
    },
    headers: { 'If-Match': current.headers.etag! },
  });
  expect(set.status).toBe(200);
});

afterAll(async () => {
  await system.stop();
});

function expectRefused(reply: Reply, status: number, code: string, reasons?: string[]) {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
  expect(errorBody.parse(reply.body)).toEqual(reply.body);
  if (reasons !== undefined) expect(reply.body.error.reasons).toEqual(reasons);
  expect(reply.raw).not.toContain(CODE);
}

const serial = alice!.serial;
const ask = async (claims: Claims = JANE): Promise<string> => {
  const reply = await system.call(requestViewRoute, { params: { serial }, body: { reason: REASON }, claims });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
};
const on = (id: string, claims: Claims) => ({ params: { serial, requestId: id }, claims });
const cancel = (id: string, claims: Claims = JANE, deps?: UseCaseDependencies) =>
  deps === undefined
    ? system.call(cancelViewRequestRoute, on(id, claims))
    : system.callWith(deps, cancelViewRequestRoute, on(id, claims));
const approve = (id: string) => system.call(approveViewRequestRoute, on(id, ADMIN));
const view = (id: string, deps: UseCaseDependencies = system.deps) =>
  system.callWith(deps, viewEmergencyAccessRoute, {
    params: { serial },
    query: { approval: id },
    claims: JANE,
  });
const stored = async (id: string) => (await system.deps.store.getViewRequest(serial, id))!;
const trailOf = async (id: string) =>
  (await system.deps.store.listAudit(serial, { limit: 100 })).items.filter((e) => e.details.request === id);

describe('cancelling a view request', () => {
  it('the requester withdraws a pending request: it leaves the pending list, and can be neither approved nor used', async () => {
    const id = await ask();
    const reply = await cancel(id);
    expect(reply.status).toBe(200);
    expect(viewRequestView.parse(reply.body)).toMatchObject({
      id,
      status: 'cancelled',
      cancelledBy: 'jane.admin',
      cancelledAt: expect.any(String),
      decidedBy: null,
      yours: true,
    });
    const pending = await system.call(listViewRequestsRoute, { claims: ADMIN });
    expect(pending.body.items.map((r: { id: string }) => r.id)).not.toContain(id);
    expectRefused(await approve(id), 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_CANCELLED']);
    expectRefused(await view(id), 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_CANCELLED']);
    expectRefused(await cancel(id), 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_CANCELLED']);

    const trail = await trailOf(id);
    expect(trail.map((e) => `${e.action}:${e.actor}:${e.outcome}`)).toEqual([
      'emergency-access.view-cancelled:jane.admin:success',
      'emergency-access.view-requested:jane.admin:success',
    ]);
    expect(trail[0]!.details).toMatchObject({ request: id, requestedBy: 'jane.admin', was: 'pending' });
  });

  it('an administrator of the domain withdraws an approved, unused one: the approval opens nothing', async () => {
    const id = await ask();
    expect((await approve(id)).status).toBe(200);
    const reply = await cancel(id, OTHER);
    expect(reply.body).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'sam.other',
      decidedBy: 'helpdesk',
      yours: false,
    });
    expectRefused(await view(id), 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_CANCELLED']);
    const [event] = await trailOf(id);
    expect(event).toMatchObject({
      action: 'emergency-access.view-cancelled',
      actor: 'sam.other',
      details: { requestedBy: 'jane.admin', was: 'approved' },
    });
  });

  it('is refused outside the domain (the request does not exist there) and outside its region, changing nothing', async () => {
    const id = await ask();
    const before = await stored(id);
    expectRefused(await cancel(id, SALES_ADMIN), 404, 'NOT_FOUND');
    const elsewhere = await cancel(id, JANE, { ...system.deps, regionName: 'test-replica' });
    expectRefused(elsewhere, 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_OTHER_REGION']);
    expect(await stored(id)).toEqual(before);
    expect(await trailOf(id)).toHaveLength(1);
  });

  it('a used, denied or run-out request cannot be cancelled: 409 with what it is, and nothing changes', async () => {
    const used = await ask();
    expect((await approve(used)).status).toBe(200);
    expect((await view(used)).body.offline.tokencode).toBe(CODE);
    const denied = await ask();
    expect((await system.call(denyViewRequestRoute, on(denied, ADMIN))).status).toBe(200);
    for (const [id, reason] of [
      [used, 'VIEW_REQUEST_USED'],
      [denied, 'VIEW_REQUEST_DENIED'],
    ] as const) {
      const before = await stored(id);
      expectRefused(await cancel(id), 409, 'PRECONDITION_NOT_MET', [reason]);
      expect(await stored(id)).toEqual(before);
    }

    const late = await ask();
    const later = { ...system.deps, clock: () => new Date(Date.now() + 31 * MINUTE) };
    expectRefused(await cancel(late, JANE, later), 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_EXPIRED']);
    expect((await stored(late)).status).toBe('expired');
    expect((await trailOf(late)).map((e) => e.action)).toEqual([
      'emergency-access.view-expired',
      'emergency-access.view-requested',
    ]);
  });
});

describe('a cancel that races another writer', () => {
  /**
   * The deps, but the cancel's first read of the request returns what it was, after `meanwhile` ran: the
   * other writer lands between the cancel's read and its conditional write.
   */
  function racing(meanwhile: () => Promise<unknown>): UseCaseDependencies {
    let raced = false;
    const store = system.deps.store;
    return {
      ...system.deps,
      store: new Proxy(store, {
        get(target, name, receiver) {
          if (name === 'getViewRequest' && !raced) {
            return async (s: string, id: string): Promise<ViewRequest | null> => {
              raced = true;
              const read = await target.getViewRequest(s, id);
              await meanwhile();
              return read;
            };
          }
          const value: unknown = Reflect.get(target, name, receiver);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }),
    };
  }

  it('against the view that uses the approval: 409 VIEW_REQUEST_USED, the code shown once, no cancel written', async () => {
    const id = await ask();
    expect((await approve(id)).status).toBe(200);
    let shown: Reply | undefined;
    const reply = await cancel(
      id,
      JANE,
      racing(async () => {
        shown = await view(id);
      }),
    );
    expect(shown!.body.offline.tokencode).toBe(CODE);
    expectRefused(reply, 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_USED']);
    expect(await stored(id)).toMatchObject({ status: 'viewed' });
    expect((await stored(id)).cancelledBy).toBeUndefined();
    expect((await trailOf(id)).map((e) => e.action)).not.toContain('emergency-access.view-cancelled');
  });

  it('against a denial: 409 VIEW_REQUEST_DENIED, the denial stands', async () => {
    const id = await ask();
    const reply = await cancel(
      id,
      JANE,
      racing(() => system.call(denyViewRequestRoute, on(id, ADMIN))),
    );
    expectRefused(reply, 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_DENIED']);
    expect(await stored(id)).toMatchObject({ status: 'denied', decidedBy: 'helpdesk' });
  });

  it('against an approval: still unused, so it is withdrawn, recorded as cancelled after its approval', async () => {
    const id = await ask();
    const reply = await cancel(
      id,
      JANE,
      racing(() => approve(id)),
    );
    expect(reply.body).toMatchObject({
      status: 'cancelled',
      decidedBy: 'helpdesk',
      cancelledBy: 'jane.admin',
    });
    expectRefused(await view(id), 409, 'PRECONDITION_NOT_MET', ['VIEW_REQUEST_CANCELLED']);
    const cancelled = (await trailOf(id)).filter((e) => e.action === 'emergency-access.view-cancelled');
    expect(cancelled.map((e) => e.details.was)).toEqual(['approved']);
  });
});
