import { verifyPin } from '../../shared/use-cases/code-verifier';
import { ownCounters } from '../../shared/domain/lockout';
import { nextAdminSettings } from '../../shared/domain/regional-state';
import {
  getTokenRoute,
  searchTokensRoute,
  viewEmergencyAccessRoute,
} from '../../functions/api/contract/admin-routes';
import { agentAuthenticateRoute } from '../../functions/api/contract/agent-routes';
import {
  agentView,
  assignTokenRoute,
  clearPinRoute,
  getAgentRoute,
  getSecurityDomainRoute,
  getUserRoute,
  importTokenRoute,
  listAgentsRoute,
  listSecurityDomainsRoute,
  managedToken,
  MANAGEMENT_ROUTES,
  putAgentRoute,
  putSecurityDomainRoute,
  putUserRoute,
  securityDomainView,
  setPinRoute,
  setTokenEnabledRoute,
  unassignTokenRoute,
  unlockTokenRoute,
  userView,
} from '../../functions/api/contract/management-routes';
import { errorBody, pageOf, tokenDetails } from '../../functions/api/contract/schemas';
import type { RouteDefinition } from '../../functions/api/contract/route';
import { DEFAULT_OFFLINE_POLICY } from '../../shared/domain/policy';
import { DEFAULT_VIEW_POLICY } from '../../shared/domain/view-policy';
import { DEMO_PIN_POLICY } from '../../local/demo-data';
import { decodeBase32, totp } from '../../shared/domain/totp';
import { verifySecret } from '../../shared/domain/verifier';
import { giveOfflineCode, startDemoSystem, USERS } from '../support/demo';
import { AGENT, SALES_ADMIN, type Claims } from '../support/events';
import type { Reply, UseCaseSystem } from '../support/system';

const [alice, bob] = USERS;
const SEEDS = {
  a: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
  b: 'MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK',
  c: 'ONSWG4TFOQYTEMZUONSWG4TFOQYTEMZU',
} as const;

let system: UseCaseSystem;

beforeAll(async () => {
  ({ system } = await startDemoSystem());
});

afterAll(async () => {
  await system.stop();
});

function expectError(reply: Reply, status: number, code: string, reasons?: string[]): void {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
  expect(errorBody.parse(reply.body)).toEqual(reply.body);
  expect(reply.headers['x-request-id']).toBe(reply.body.error.requestId);
  if (reasons !== undefined) expect(reply.body.error.reasons).toEqual(reasons);
}

/** The error as a client sees it, without what differs per request. */
const errorOf = (reply: Reply) => ({ status: reply.status, ...reply.body.error, requestId: '' });

async function auditOf(serial: string) {
  return (await system.deps.store.listAudit(serial, { limit: 100 })).items;
}

async function importToken(serial: string, overrides: Record<string, unknown> = {}, claims?: Claims) {
  return system.call(importTokenRoute, {
    claims,
    body: { serial, kind: 'securid', seed: SEEDS.a, digits: 6, securityDomain: 'SystemDomain', ...overrides },
  });
}

async function putUser(userId: string, body: Record<string, string>, headers: Record<string, string> = {}) {
  return system.call(putUserRoute, { params: { userId }, body, headers });
}

describe('security domains', () => {
  it('lists the domains an administrator may see, with their offline policy', async () => {
    const all = await system.call(listSecurityDomainsRoute);
    expect(all.status).toBe(200);
    expect(pageOf(securityDomainView).parse(all.body)).toEqual(all.body);
    expect(all.body.items.map((d: { id: string }) => d.id)).toEqual(
      expect.arrayContaining(['Contractors', 'Sales', 'SystemDomain']),
    );
    const sales = await system.call(listSecurityDomainsRoute, { claims: SALES_ADMIN });
    expect(sales.body.items.map((d: { id: string }) => d.id)).toEqual(['Sales']);

    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await system.call(listSecurityDomainsRoute, {
        query: { limit: '1', ...(cursor ? { cursor } : {}) },
      });
      pages.push(...page.body.items.map((d: { id: string }) => d.id));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor !== undefined && pages.length < 50);
    expect(pages.sort()).toEqual(all.body.items.map((d: { id: string }) => d.id).sort());
  });

  it('shows one domain with an ETag; 404 alike for a missing one and one outside the claim', async () => {
    const reply = await system.call(getSecurityDomainRoute, { params: { domainId: 'Sales' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      id: 'Sales',
      name: 'Sales',
      offlinePolicy: { ...DEFAULT_OFFLINE_POLICY, emergencyCodeDownloadPermitted: false, singleUse: false },
      pinPolicy: DEMO_PIN_POLICY,
    });
    expect(reply.headers.etag).toMatch(/^"[0-9a-z]+"$/);
    const hidden = await system.call(getSecurityDomainRoute, {
      params: { domainId: 'SystemDomain' },
      claims: SALES_ADMIN,
    });
    const missing = await system.call(getSecurityDomainRoute, {
      params: { domainId: 'Nowhere' },
      claims: SALES_ADMIN,
    });
    expectError(hidden, 404, 'NOT_FOUND');
    expect(errorOf(hidden)).toEqual(errorOf(missing));
  });

  it('creates with the default policy (201), then replaces only with the right If-Match', async () => {
    const params = { domainId: 'Labs' };
    const made = await system.call(putSecurityDomainRoute, { params, body: { name: 'Labs' } });
    expect(made.status).toBe(201);
    expect(made.body).toEqual({
      id: 'Labs',
      name: 'Labs',
      offlinePolicy: DEFAULT_OFFLINE_POLICY,
      pinPolicy: { minLength: 6, maxLength: 8, characters: 'digits' },
      viewPolicy: DEFAULT_VIEW_POLICY,
    });
    expect(made.headers.etag).toBe('"1"');

    const body = { name: 'Research labs', offlinePolicy: { offlineDays: 30, singleUse: true } };
    expectError(await system.call(putSecurityDomainRoute, { params, body }), 428, 'IF_MATCH_REQUIRED');
    expectError(
      await system.call(putSecurityDomainRoute, { params, body, headers: { 'If-Match': '"7"' } }),
      412,
      'ETAG_MISMATCH',
    );
    const replaced = await system.call(putSecurityDomainRoute, {
      params,
      body,
      headers: { 'If-Match': made.headers.etag! },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.headers.etag).toBe('"2"');
    expect(replaced.body.offlinePolicy).toEqual({
      ...DEFAULT_OFFLINE_POLICY,
      offlineDays: 30,
      singleUse: true,
    });
    expect(await system.deps.store.getSecurityDomain('Labs')).toMatchObject({
      name: 'Research labs',
      version: 2,
    });

    expectError(
      await system.call(putSecurityDomainRoute, {
        params: { domainId: 'Missing' },
        body,
        headers: { 'If-Match': '*' },
      }),
      412,
      'ETAG_MISMATCH',
    );
    expect(await system.deps.store.getSecurityDomain('Missing')).toBeNull();
  });

  it('lets one of two replacements against the same ETag win', async () => {
    const current = await system.call(getSecurityDomainRoute, { params: { domainId: 'Labs' } });
    const replies = await Promise.all(
      ['One', 'Two'].map((name) =>
        system.call(putSecurityDomainRoute, {
          params: { domainId: 'Labs' },
          body: { name },
          headers: { 'If-Match': current.headers.etag! },
        }),
      ),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([200, 412]);
  });

  it('refuses a policy outside the caps with 400 and every reason, storing nothing', async () => {
    const reply = await system.call(putSecurityDomainRoute, {
      params: { domainId: 'Weak' },
      body: {
        name: 'Weak',
        offlinePolicy: {
          offlineDays: 0,
          emergencyCodeLifetimeDays: 91,
          emergencyCodeFormat: { length: 8, characterClasses: ['digits'] },
        },
      },
    });
    expectError(reply, 400, 'VALIDATION_FAILED');
    expect(reply.body.error.reasons).toEqual([
      expect.stringMatching(/^body\.offlinePolicy: offlineDays must be an integer from 1 to 365/),
      expect.stringMatching(
        /^body\.offlinePolicy: emergencyCodeLifetimeDays must be an integer from 1 to 90/,
      ),
      expect.stringMatching(/^body\.offlinePolicy: emergencyCodeFormat: .*40 are needed/),
    ]);
    expect(await system.deps.store.getSecurityDomain('Weak')).toBeNull();
  });

  it('is changed only by an administrator of all domains (403), even in their own domain', async () => {
    for (const domainId of ['Sales', 'NewOne']) {
      const reply = await system.call(putSecurityDomainRoute, {
        params: { domainId },
        body: { name: 'Mine' },
        headers: { 'If-Match': '*' },
        claims: SALES_ADMIN,
      });
      expectError(reply, 403, 'FORBIDDEN');
    }
    expect((await system.deps.store.getSecurityDomain('Sales'))!.name).toBe('Sales');
  });
});

describe('users', () => {
  it('shows a user by a case-insensitive id; 404 alike when missing or outside the claim', async () => {
    const reply = await system.call(getUserRoute, { params: { userId: 'ALICE' } });
    expect(reply.status).toBe(200);
    expect(userView.parse(reply.body)).toEqual(reply.body);
    expect(reply.body).toEqual({
      userId: 'alice',
      firstName: 'Alice',
      lastName: 'Archer',
      securityDomain: 'SystemDomain',
    });
    expect(reply.headers.etag).toMatch(/^"[0-9a-z]+"$/);
    const hidden = await system.call(getUserRoute, { params: { userId: 'alice' }, claims: SALES_ADMIN });
    const missing = await system.call(getUserRoute, { params: { userId: 'nobody' }, claims: SALES_ADMIN });
    expectError(hidden, 404, 'NOT_FOUND');
    expect(errorOf(hidden)).toEqual(errorOf(missing));
  });

  it('creates (201) and replaces (If-Match) a user within the administrator’s domains', async () => {
    const body = { firstName: 'Sam', lastName: 'Seller', securityDomain: 'Sales' };
    const made = await system.call(putUserRoute, { params: { userId: 'sam' }, body, claims: SALES_ADMIN });
    expect(made.status).toBe(201);
    expect(made.body).toEqual({ userId: 'sam', ...body });
    expectError(
      await system.call(putUserRoute, { params: { userId: 'sam' }, body, claims: SALES_ADMIN }),
      428,
      'IF_MATCH_REQUIRED',
    );
    const replaced = await system.call(putUserRoute, {
      params: { userId: 'SAM' },
      body: { ...body, firstName: 'Samuel' },
      headers: { 'If-Match': made.headers.etag! },
      claims: SALES_ADMIN,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ userId: 'sam', ...body, firstName: 'Samuel' });
  });

  it('answers 404 for a user or a domain outside the claim, and for a missing domain, changing nothing', async () => {
    const body = { firstName: 'X', lastName: 'Y', securityDomain: 'Sales' };
    const hiddenUser = await system.call(putUserRoute, {
      params: { userId: 'alice' },
      body,
      headers: { 'If-Match': '*' },
      claims: SALES_ADMIN,
    });
    expectError(hiddenUser, 404, 'NOT_FOUND');
    expect(hiddenUser.body.error.message).toBe('No such user');
    const hiddenDomain = await system.call(putUserRoute, {
      params: { userId: 'zed' },
      body: { ...body, securityDomain: 'SystemDomain' },
      claims: SALES_ADMIN,
    });
    const missingDomain = await system.call(putUserRoute, {
      params: { userId: 'zed' },
      body: { ...body, securityDomain: 'Nowhere' },
      claims: SALES_ADMIN,
    });
    expectError(hiddenDomain, 404, 'NOT_FOUND');
    expect(errorOf(hiddenDomain)).toEqual(errorOf(missingDomain));
    expect(await system.deps.store.getUser('zed')).toBeNull();
    expect((await system.deps.store.getUser('alice'))!.firstName).toBe('Alice');
  });
});

describe('token import', () => {
  it('imports a token (201): the seed is sealed to the serial, never returned, never audited', async () => {
    const reply = await importToken('IMP0001', { kind: 'authenticate', digits: 8, seed: SEEDS.b });
    expect(reply.status).toBe(201);
    expect(managedToken.parse(reply.body)).toEqual(reply.body);
    expect(reply.body).toMatchObject({
      serial: 'IMP0001',
      kind: 'authenticate',
      digits: 8,
      enabled: true,
      user: null,
      securityDomain: 'SystemDomain',
      pinSet: false,
      offlineEmergencyAccess: { state: 'none', expiresAt: null },
      lockout: { emergencyAccessFailures: 0, tokencodeFailures: 0, locked: false },
    });
    expect(reply.headers.location).toBe('/v1/tokens/IMP0001');
    expect(reply.headers.etag).toMatch(/^"[0-9a-z]+"$/);
    expect(reply.raw).not.toMatch(new RegExp(`${SEEDS.b}|sealed|ciphertext`, 'i'));

    const token = (await system.deps.store.getToken('IMP0001'))!;
    const seed = await system.sealer.open(token.sealedSeed, {
      purpose: 'totp-seed',
      serial: 'IMP0001',
      generation: 0,
    });
    expect(seed.equals(decodeBase32(SEEDS.b))).toBe(true);
    await expect(
      system.sealer.open(token.sealedSeed, { purpose: 'totp-seed', serial: 'IMP0002', generation: 0 }),
    ).rejects.toThrow();

    const trail = await auditOf('IMP0001');
    expect(trail).toEqual([
      expect.objectContaining({
        action: 'token.manage',
        outcome: 'success',
        actor: 'helpdesk',
        requestId: reply.headers['x-request-id'],
        details: {
          change: 'import',
          kind: 'authenticate',
          digits: 8,
          securityDomain: 'SystemDomain',
          enabled: true,
          changed: true,
        },
      }),
    ]);
    expect(JSON.stringify(trail)).not.toContain(SEEDS.b);
  });

  it('refuses a serial that exists, in any domain, with 409 TOKEN_EXISTS', async () => {
    expectError(await importToken('IMP0001'), 409, 'PRECONDITION_NOT_MET', ['TOKEN_EXISTS']);
    // Serials are unique across domains: an administrator of Sales learns that this one is taken.
    const reply = await importToken(alice.serial, { securityDomain: 'Sales' }, SALES_ADMIN);
    expectError(reply, 409, 'PRECONDITION_NOT_MET', ['TOKEN_EXISTS']);
    expect((await system.deps.store.getToken(alice.serial))!.securityDomain).toBe('SystemDomain');
  });

  it('lets one of two concurrent imports of a serial win', async () => {
    const replies = await Promise.all([importToken('RACE0001'), importToken('RACE0001')]);
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('answers 404 alike for a domain outside the claim and a missing one', async () => {
    const hidden = await importToken('IMP0003', {}, SALES_ADMIN);
    const missing = await importToken('IMP0003', { securityDomain: 'Nowhere' }, SALES_ADMIN);
    expectError(hidden, 404, 'NOT_FOUND');
    expect(errorOf(hidden)).toEqual(errorOf(missing));
    expect(await system.deps.store.getToken('IMP0003')).toBeNull();
  });

  it.each([
    ['a seed under 128 bits', { seed: alice.seed }],
    ['a seed that is not base32', { seed: 'not-base32-at-all-0189' }],
    ['a seed over 512 bits', { seed: 'A'.repeat(110) }],
    ['6 or 8 digits only', { digits: 7 }],
    ['a known kind', { kind: 'hardware' }],
    ['no unknown field', { pin: '1234' }],
  ])('refuses %s with 400, echoing no seed', async (_what, overrides) => {
    const reply = await importToken('IMP0004', overrides);
    expectError(reply, 400, 'VALIDATION_FAILED');
    expect(reply.raw).not.toContain(String((overrides as { seed?: string }).seed ?? SEEDS.a));
    expect(await system.deps.store.getToken('IMP0004')).toBeNull();
  });
});

describe('assignment', () => {
  beforeAll(async () => {
    await importToken('ASG0001', { securityDomain: 'Sales' });
    await importToken('ASG0002', { securityDomain: 'Sales' });
    await putUser('hank', { firstName: 'Hank', lastName: 'Hill', securityDomain: 'SystemDomain' });
  });

  it('assigns a token to a user: it takes the user’s names and moves to the user’s domain', async () => {
    const reply = await system.call(assignTokenRoute, {
      params: { serial: 'ASG0001' },
      body: { userId: 'HANK' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      user: { userId: 'hank', firstName: 'Hank', lastName: 'Hill' },
      securityDomain: 'SystemDomain',
    });
    expect(reply.headers.etag).toMatch(/^"[0-9a-z]+"$/);
    const again = await system.call(assignTokenRoute, {
      params: { serial: 'ASG0001' },
      body: { userId: 'hank' },
      headers: { 'If-Match': reply.headers.etag! },
    });
    expect(again.status).toBe(200);
    expect(again.headers.etag).toBe(reply.headers.etag);
    expect((await auditOf('ASG0001')).slice(0, 2).map((e) => e.details)).toEqual([
      {
        change: 'assign',
        userId: 'hank',
        securityDomain: 'SystemDomain',
        assignmentEpoch: 0,
        changed: false,
      },
      { change: 'assign', userId: 'hank', securityDomain: 'SystemDomain', assignmentEpoch: 0, changed: true },
    ]);
  });

  it('refuses another user while the token is assigned (409 TOKEN_ASSIGNED), audited as denied', async () => {
    const reply = await system.call(assignTokenRoute, {
      params: { serial: 'ASG0001' },
      body: { userId: 'bob' },
    });
    expectError(reply, 409, 'PRECONDITION_NOT_MET', ['TOKEN_ASSIGNED']);
    expect((await system.deps.store.getToken('ASG0001'))!.user!.userId).toBe('hank');
    expect((await auditOf('ASG0001'))[0]).toMatchObject({ action: 'token.manage', outcome: 'denied' });
  });

  it("takes a token's ETag with or without its quotes, and refuses a stale one either way", async () => {
    const current = await system.call(setTokenEnabledRoute, {
      params: { serial: 'ASG0002' },
      body: { enabled: true },
    });
    const bare = current.headers.etag!.slice(1, -1);
    const unquoted = await system.call(setTokenEnabledRoute, {
      params: { serial: 'ASG0002' },
      body: { enabled: true },
      headers: { 'If-Match': bare },
    });
    expect(unquoted.status).toBe(200);
    expectError(
      await system.call(setTokenEnabledRoute, {
        params: { serial: 'ASG0002' },
        body: { enabled: false },
        headers: { 'If-Match': '9' },
      }),
      412,
      'ETAG_MISMATCH',
    );
    expect((await system.deps.store.getToken('ASG0002'))!.enabled).toBe(true);
  });

  it('answers 412 for a stale If-Match', async () => {
    const reply = await system.call(setTokenEnabledRoute, {
      params: { serial: 'ASG0002' },
      body: { enabled: false },
      headers: { 'If-Match': '"9"' },
    });
    expectError(reply, 412, 'ETAG_MISMATCH');
    expect((await system.deps.store.getToken('ASG0002'))!.enabled).toBe(true);
  });

  it('answers 404 for a user or a token outside the claim, as for missing ones', async () => {
    const hiddenUser = await system.call(assignTokenRoute, {
      params: { serial: 'ASG0002' },
      body: { userId: 'alice' },
      claims: SALES_ADMIN,
    });
    const missingUser = await system.call(assignTokenRoute, {
      params: { serial: 'ASG0002' },
      body: { userId: 'nobody' },
      claims: SALES_ADMIN,
    });
    expectError(hiddenUser, 404, 'NOT_FOUND');
    expect(errorOf(hiddenUser)).toEqual(errorOf(missingUser));
    expect((await system.deps.store.getToken('ASG0002'))!.user).toBeNull();
  });

  it('unassigns: the PIN is cleared, online use revoked and a new offline code requested', async () => {
    await putUser('ivy', { firstName: 'Ivy', lastName: 'Irwin', securityDomain: 'SystemDomain' });
    await importToken('ASG0003');
    await system.call(assignTokenRoute, { params: { serial: 'ASG0003' }, body: { userId: 'ivy' } });
    await system.call(setPinRoute, { params: { serial: 'ASG0003' }, body: { pin: '4321' } });
    await giveOfflineCode(system, { userId: 'ivy', serial: 'ASG0003' }, 'IVYCODE23', { generation: 2 });
    const state = (await system.deps.store.getTokenState('ASG0003'))!;
    await system.deps.store.saveAdminSettings(
      nextAdminSettings(
        state.items,
        { onlineUse: true },
        { region: system.deps.regionName, at: new Date(), by: 'test' },
      ),
    );

    const reply = await system.call(unassignTokenRoute, { params: { serial: 'ASG0003' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ user: null, pinSet: false, securityDomain: 'SystemDomain' });
    const after = (await system.deps.store.getTokenState('ASG0003'))!;
    expect(after.token.pinVerifier).toBeNull();
    expect(after.settings).toMatchObject({
      onlineUseAllowed: false,
      resetRequestedAtGeneration: 2,
      updatedBy: 'helpdesk',
    });
    // Two writes, each with its own event: access revoked (this region's settings), then the user removed.
    const events = (await auditOf('ASG0003')).filter((e) => e.requestId === reply.headers['x-request-id']);
    expect(
      events.map((e) => e.details).sort((a, b) => String(a.change).localeCompare(String(b.change))),
    ).toEqual([
      {
        change: 'revoke-access',
        userId: 'ivy',
        pinCleared: true,
        onlineUseRevoked: true,
        resetRequested: true,
        changed: true,
      },
      {
        change: 'unassign',
        userId: 'ivy',
        offlineDataInvalidated: true,
        assignmentEpoch: 1,
        changed: true,
      },
    ]);
    expect(events.map((e) => e.action)).toEqual(['token.manage', 'token.manage']);
    const again = await system.call(unassignTokenRoute, { params: { serial: 'ASG0003' } });
    expect(again.status).toBe(200);
    expect(again.headers.etag).toBe(reply.headers.etag);
  });
});

describe('enable, PIN and unlock', () => {
  beforeAll(async () => {
    await putUser('jo', { firstName: 'Jo', lastName: 'Jones', securityDomain: 'SystemDomain' });
    await importToken('PIN0001');
  });

  it('disables and enables a token, idempotently', async () => {
    const off = await system.call(setTokenEnabledRoute, {
      params: { serial: 'PIN0001' },
      body: { enabled: false },
    });
    expect(off.status).toBe(200);
    expect(off.body.enabled).toBe(false);
    const again = await system.call(setTokenEnabledRoute, {
      params: { serial: 'PIN0001' },
      body: { enabled: false },
    });
    expect(again.headers.etag).toBe(off.headers.etag);
    const on = await system.call(setTokenEnabledRoute, {
      params: { serial: 'PIN0001' },
      body: { enabled: true },
    });
    expect(on.body.enabled).toBe(true);
    expect((await auditOf('PIN0001')).slice(0, 3).map((e) => [e.details.change, e.details.changed])).toEqual([
      ['enable', true],
      ['disable', false],
      ['disable', true],
    ]);
  });

  it('refuses a PIN for an unassigned token and for an Authenticate token (409)', async () => {
    expectError(
      await system.call(setPinRoute, { params: { serial: 'PIN0001' }, body: { pin: '1234' } }),
      409,
      'PRECONDITION_NOT_MET',
      ['TOKEN_UNASSIGNED'],
    );
    for (const route of [setPinRoute, clearPinRoute]) {
      expectError(
        await system.call(route, {
          params: { serial: bob.serial },
          ...(route === setPinRoute ? { body: { pin: '1234' } } : {}),
        }),
        409,
        'PRECONDITION_NOT_MET',
        ['TOKEN_KIND_HAS_NO_PIN'],
      );
    }
  });

  it('sets a PIN as a verifier only, then clears it; neither reply nor audit holds the PIN', async () => {
    await system.call(assignTokenRoute, { params: { serial: 'PIN0001' }, body: { userId: 'jo' } });
    const set = await system.call(setPinRoute, { params: { serial: 'PIN0001' }, body: { pin: '86420' } });
    expect(set.status).toBe(200);
    expect(set.body.pinSet).toBe(true);
    const token = (await system.deps.store.getToken('PIN0001'))!;
    const verifier = token.pinVerifier!;
    expect(await verifyPin(system.deps, 'PIN0001', verifier, '86420')).toBe(true);
    expect(await verifyPin(system.deps, 'PIN0001', verifier, '86421')).toBe(false);
    // Peppered: one holding a table backup cannot test a PIN guess by the KDF alone (the right PIN
    // included), nor under another token's serial.
    expect(verifier.pepperKeyId).toEqual(expect.any(String));
    expect(await verifySecret('86420', verifier)).toBe(false);
    expect(await verifyPin(system.deps, 'PIN0002', verifier, '86420')).toBe(false);
    expect(JSON.stringify(token)).not.toContain('86420');

    const cleared = await system.call(clearPinRoute, { params: { serial: 'PIN0001' } });
    expect(cleared.body.pinSet).toBe(false);
    expect((await system.deps.store.getToken('PIN0001'))!.pinVerifier).toBeNull();
    const trail = await auditOf('PIN0001');
    expect(trail.slice(0, 2).map((e) => e.details)).toEqual([
      { change: 'pin-clear', changed: true },
      { change: 'pin-set', changed: true },
    ]);
    expect(JSON.stringify(trail) + set.raw + cleared.raw).not.toContain('86420');
  });

  it.each([
    ['123', 'body.pin: a PIN is 4 to 8 letters and digits'],
    ['123456789', 'body.pin: a PIN is 4 to 8 letters and digits'],
    [' 1234', 'body.pin: a PIN is 4 to 8 letters and digits'],
    ['12a4', 'body.pin: a PIN of this security domain is digits only'],
  ])('refuses the PIN %j with 400', async (pin, reason) => {
    const reply = await system.call(setPinRoute, { params: { serial: 'PIN0001' }, body: { pin } });
    expectError(reply, 400, 'VALIDATION_FAILED', [reason]);
    expect(reply.raw).not.toContain(pin.trim());
  });

  it('holds a PIN to its domain policy: six digits at least in a new domain, and what the domain says', async () => {
    const put = (domainId: string, pinPolicy?: object) =>
      system.call(putSecurityDomainRoute, { params: { domainId }, body: { name: domainId, pinPolicy } });
    expect((await put('PinDefault')).body.pinPolicy).toEqual({
      minLength: 6,
      maxLength: 8,
      characters: 'digits',
    });
    expect((await put('PinLetters', { minLength: 8, characters: 'alphanumeric' })).status).toBe(201);
    expectError(await put('PinBad', { minLength: 3, maxLength: 9 }), 400, 'VALIDATION_FAILED', [
      'body.pinPolicy: minLength must be an integer from 4 to 8',
      'body.pinPolicy: maxLength must be an integer from minLength to 8',
    ]);
    for (const [domain, userId, serial] of [
      ['PinDefault', 'pd', 'PIN0002'],
      ['PinLetters', 'pl', 'PIN0003'],
    ] as const) {
      await putUser(userId, { firstName: 'P', lastName: 'Policy', securityDomain: domain });
      await importToken(serial);
      expect((await system.call(assignTokenRoute, { params: { serial }, body: { userId } })).status).toBe(
        200,
      );
    }
    const setPin = (serial: string, pin: string) =>
      system.call(setPinRoute, { params: { serial }, body: { pin } });
    expectError(await setPin('PIN0002', '2468'), 400, 'VALIDATION_FAILED', [
      'body.pin: a PIN of this security domain is 6 to 8 characters',
    ]);
    expect((await setPin('PIN0002', '246813')).status).toBe(200);
    expectError(await setPin('PIN0003', 'Xq7Rw2K'), 400, 'VALIDATION_FAILED');
    expect((await setPin('PIN0003', 'Xq7Rw2Kp')).status).toBe(200);
  });

  it('unlocks a locked token: counters back to zero, audited as token.unlock', async () => {
    const state = (await system.deps.store.getTokenState('PIN0001'))!;
    await system.deps.store.saveRegionalCounters({
      ...ownCounters(state.items.counters, 'PIN0001', system.deps.regionName),
      failures: { tokencode: 10, emergencyAccess: 2 },
      lockedAt: new Date().toISOString(),
    });
    const reply = await system.call(unlockTokenRoute, { params: { serial: 'PIN0001' } });
    expect(reply.status).toBe(200);
    expect(tokenDetails.parse(reply.body)).toEqual(reply.body);
    expect(reply.body.lockout).toEqual({ emergencyAccessFailures: 0, tokencodeFailures: 0, locked: false });
    expect((await system.deps.store.getTokenState('PIN0001'))!.lockout).toMatchObject({
      tokencodeFailures: 0,
      emergencyAccessFailures: 0,
      lockedAt: null,
    });
    expect((await auditOf('PIN0001'))[0]).toMatchObject({
      action: 'token.unlock',
      outcome: 'success',
      details: { wasLocked: true, tokencodeFailures: 10, emergencyAccessFailures: 2 },
    });
  });
});

describe('the 404 rule on every token route', () => {
  const tokenRoutes: [string, RouteDefinition, unknown][] = (
    [
      [assignTokenRoute, { userId: 'erin' }],
      [unassignTokenRoute, undefined],
      [setTokenEnabledRoute, { enabled: false }],
      [setPinRoute, { pin: '1234' }],
      [clearPinRoute, undefined],
      [unlockTokenRoute, undefined],
    ] as const
  ).map(([route, body]) => [route.operationId, route, body]);

  it.each(tokenRoutes)(
    '%s answers for a token outside the claim exactly as for a missing one, changing nothing',
    async (_id, route, body) => {
      const before = await system.deps.store.getTokenState(alice.serial);
      const auditBefore = (await auditOf(alice.serial)).length;
      const hidden = await system.call(route, {
        params: { serial: alice.serial },
        body,
        claims: SALES_ADMIN,
      });
      const missing = await system.call(route, {
        params: { serial: '999999999' },
        body,
        claims: SALES_ADMIN,
      });
      expectError(hidden, 404, 'NOT_FOUND');
      expect(errorOf(hidden)).toEqual(errorOf(missing));
      expect(await system.deps.store.getTokenState(alice.serial)).toEqual(before);
      expect(await auditOf(alice.serial)).toHaveLength(auditBefore);
    },
  );

  it('covers every management route that names a token', () => {
    const named = MANAGEMENT_ROUTES.filter((r) => r.path.startsWith('/v1/tokens/{serial}'));
    expect(new Set(named)).toEqual(new Set(tokenRoutes.map(([, route]) => route)));
  });
});

describe('agents', () => {
  it('lists and shows agents to administrators of all domains only (403 for the others)', async () => {
    const list = await system.call(listAgentsRoute);
    expect(list.status).toBe(200);
    expect(pageOf(agentView).parse(list.body)).toEqual(list.body);
    expect(list.body.items).toEqual(
      expect.arrayContaining([
        { agentId: 'win-agent-1', name: expect.any(String), supportsOfflineAuthentication: true },
      ]),
    );
    const one = await system.call(getAgentRoute, { params: { agentId: 'web-agent' } });
    expect(one.body).toMatchObject({ agentId: 'web-agent', supportsOfflineAuthentication: false });
    expect(one.headers.etag).toBe('"1"');
    expectError(await system.call(getAgentRoute, { params: { agentId: 'nope' } }), 404, 'NOT_FOUND');
    for (const [route, params] of [
      [listAgentsRoute, undefined],
      [getAgentRoute, { agentId: 'web-agent' }],
    ] as const) {
      expectError(await system.call(route, { params, claims: SALES_ADMIN }), 403, 'FORBIDDEN');
    }
  });

  it('registers (201) and replaces (If-Match) an agent', async () => {
    const params = { agentId: 'mac-agent' };
    const made = await system.call(putAgentRoute, {
      params,
      body: { name: 'Mac agent', supportsOfflineAuthentication: false },
    });
    expect(made.status).toBe(201);
    const body = { name: 'Mac login agent', supportsOfflineAuthentication: true };
    expectError(await system.call(putAgentRoute, { params, body }), 428, 'IF_MATCH_REQUIRED');
    expectError(
      await system.call(putAgentRoute, { params, body, headers: { 'If-Match': '"5"' } }),
      412,
      'ETAG_MISMATCH',
    );
    const replaced = await system.call(putAgentRoute, {
      params,
      body,
      headers: { 'If-Match': made.headers.etag! },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ agentId: 'mac-agent', ...body });
    expectError(
      await system.call(putAgentRoute, { params, body, headers: { 'If-Match': '*' }, claims: SALES_ADMIN }),
      403,
      'FORBIDDEN',
    );
    expect((await system.deps.store.getAgent('mac-agent'))!.name).toBe('Mac login agent');
  });
});

describe('every management route', () => {
  it.each(MANAGEMENT_ROUTES.map((route) => [route.operationId, route] as const))(
    '%s answers 401 without an identity and 403 without the admin scope',
    async (_id, route) => {
      const params = { serial: alice.serial, domainId: 'Sales', userId: 'alice', agentId: 'web-agent' };
      expectError(await system.call(route, { params, claims: null }), 401, 'UNAUTHENTICATED');
      expectError(await system.call(route, { params, claims: AGENT }), 403, 'FORBIDDEN');
    },
  );
});

describe('an administrator runs the product with management alone', () => {
  it('creates a domain, a user, imports a token, assigns it, sets a PIN; search finds it and its user logs in', async () => {
    const domain = await system.call(putSecurityDomainRoute, {
      params: { domainId: 'Engineering' },
      body: { name: 'Engineering', offlinePolicy: { offlineDays: 7, emergencyCodeLifetimeDays: 7 } },
    });
    expect(domain.status).toBe(201);
    const user = await putUser('grace', {
      firstName: 'Grace',
      lastName: 'Hopper',
      securityDomain: 'Engineering',
    });
    expect(user.status).toBe(201);
    const imported = await importToken('ENG0001', { securityDomain: 'Engineering', seed: SEEDS.c });
    expect(imported.status).toBe(201);
    const assigned = await system.call(assignTokenRoute, {
      params: { serial: 'ENG0001' },
      body: { userId: 'grace' },
      headers: { 'If-Match': imported.headers.etag! },
    });
    expect(assigned.status).toBe(200);
    const pin = await system.call(setPinRoute, {
      params: { serial: 'ENG0001' },
      body: { pin: '753197' },
      headers: { 'If-Match': assigned.headers.etag! },
    });
    expect(pin.status).toBe(200);
    expect(pin.body).toMatchObject({ pinSet: true, enabled: true, securityDomain: 'Engineering' });

    const expected = {
      serial: 'ENG0001',
      kind: 'securid',
      enabled: true,
      user: { userId: 'grace', firstName: 'Grace', lastName: 'Hopper' },
      securityDomain: 'Engineering',
      offlineEmergencyAccess: { state: 'none', expiresAt: null },
    };
    const queries: Record<string, string>[] = [
      { userId: 'Grace' },
      { lastName: 'hop' },
      { firstName: 'gra' },
      { domain: 'Engineering' },
    ];
    for (const query of queries) {
      const found = await system.call(searchTokensRoute, { query });
      expect({ query, items: found.body.items }).toEqual({ query, items: [expected] });
    }
    expect((await system.call(getTokenRoute, { params: { serial: 'ENG0001' } })).body).toMatchObject(
      expected,
    );

    // The imported seed and the PIN are what online authentication checks: PIN + tokencode is accepted.
    const passcode = `753197${totp(decodeBase32(SEEDS.c), new Date())}`;
    const login = await system.call(agentAuthenticateRoute, {
      claims: AGENT,
      body: { userId: 'grace', passcode },
    });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ outcome: 'accept', method: 'tokencode' });
    const page = await system.call(viewEmergencyAccessRoute, { params: { serial: 'ENG0001' } });
    expect(page.body.offline.state).toBe('active');
    expect(page.body.eligibility).toEqual({ eligible: true, reasons: [] });

    // Renaming the user carries over to the token, so search keeps finding it.
    const renamed = await putUser(
      'grace',
      { firstName: 'Grace', lastName: 'Murray', securityDomain: 'Engineering' },
      { 'If-Match': user.headers.etag! },
    );
    expect(renamed.status).toBe(200);
    const byNewName = await system.call(searchTokensRoute, { query: { lastName: 'murr' } });
    expect(byNewName.body.items.map((t: { serial: string }) => t.serial)).toEqual(['ENG0001']);
    expect((await system.call(searchTokensRoute, { query: { lastName: 'hop' } })).body.items).toEqual([]);
    expect((await auditOf('ENG0001'))[0]).toMatchObject({
      action: 'token.manage',
      details: { change: 'user-update', userId: 'grace' },
    });
  });
});
