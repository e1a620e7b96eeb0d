/**
 * The authorization matrix: every route of ALL_ROUTES, through the local gateway (the deployed JWT
 * authorizer's checks) and the real functions over DynamoDB Local, times every kind of caller. Each
 * answer's status and error shape are checked, and no answer to an administrator of Sales, nor any
 * cursor it is given, holds a byte of another domain's data.
 */
import { generateKeyPair, SignJWT } from 'jose';
import { ALL_ROUTES } from '../../../functions/api/contract/routes';
import { errorBody } from '../../../functions/api/contract/schemas';
import type { RouteDefinition } from '../../../functions/api/contract/route';
import { LOCAL_AUDIENCE } from '../../../local/jwt';
import { giveOfflineCode, seedDemo, USERS } from '../../support/demo';
import { ISSUER, startTestGateway, type TestGateway } from '../../support/gateway';
import { startTestSystem, type TestSystem } from '../../support/system';
import { EXAMPLE_VIEW_REQUEST_ID, exampleOf } from '../admin/route-examples';

let system: TestSystem;
let gateway: TestGateway;

/** What belongs to SystemDomain and Contractors in the demo data: never shown to the Sales administrator. */
const OTHER_DOMAINS = ['SystemDomain', 'Contractors'];
const FOREIGN_BYTES = [
  ...OTHER_DOMAINS,
  ...USERS.filter((u) => u.securityDomain !== 'Sales').flatMap((u) => [
    u.userId,
    u.firstName,
    u.lastName,
    u.serial,
  ]),
];

type CallerKind =
  | 'no token'
  | 'bad signature'
  | 'expired'
  | 'wrong audience'
  | 'wrong scope'
  | 'administrator of another domain'
  | 'user token'
  | 'client token'
  | 'right caller';

const tokens = {} as Record<CallerKind, string | null>;

beforeAll(async () => {
  system = await startTestSystem();
  await seedDemo(system);
  await giveOfflineCode(system, USERS[0], 'K7QM2XHP');
  // A pending request of alice's code by another administrator, for the dual-control routes' examples.
  const now = Date.now();
  await system.deps.store.saveViewRequest({
    id: EXAMPLE_VIEW_REQUEST_ID,
    serial: USERS[0]!.serial,
    user: { userId: 'alice', firstName: 'Alice', lastName: 'Archer' },
    securityDomain: 'SystemDomain',
    region: system.deps.regionName,
    // None of the matrix's callers: each of them may decide it.
    requestedBy: 'someone.else',
    requestedAt: new Date(now).toISOString(),
    reason: 'Locked out at a customer site',
    ticket: null,
    approveBy: new Date(now + 3_600_000).toISOString(),
    status: 'pending',
    decidedBy: null,
    decidedAt: null,
    viewBy: null,
    viewedAt: null,
    version: 0,
  });
  gateway = await startTestGateway(system);
  const { privateKey } = await generateKeyPair('ES256');
  tokens['no token'] = null;
  tokens['bad signature'] = await new SignJWT({
    client_id: 'helpdesk',
    scope: 'eat/admin eat/agent',
    domains: ['*'],
  })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setSubject('helpdesk')
    .setExpirationTime('1h')
    .sign(privateKey);
  const past = Math.floor(Date.now() / 1000) - 60;
  tokens.expired = await gateway.forge({
    client_id: 'helpdesk',
    scope: 'eat/admin eat/agent',
    domains: ['*'],
    exp: past,
  });
  tokens['wrong audience'] = await gateway.forge({
    client_id: 'helpdesk',
    scope: 'eat/admin eat/agent',
    domains: ['*'],
    aud: 'another-api',
  });
  tokens['wrong scope'] = await gateway.forge({
    client_id: 'helpdesk',
    scope: 'openid profile',
    domains: ['*'],
  });
  tokens['administrator of another domain'] = await gateway.userToken('sam.sales');
});

afterAll(async () => {
  await gateway?.close();
  await system?.stop();
});

/** The token of the kind for this route: a user token is a person's (admin scope), a client token an agent's. */
async function tokenFor(kind: CallerKind, route: RouteDefinition): Promise<string | null> {
  if (kind === 'user token') return gateway.userToken('jane.admin');
  if (kind === 'client token') return gateway.clientToken('win-agent-1');
  if (kind === 'right caller') {
    return route.scope === 'eat/agent' ? gateway.clientToken('win-agent-1') : gateway.clientToken('helpdesk');
  }
  return tokens[kind];
}

function urlOf(route: RouteDefinition, params: Record<string, string> = {}): string {
  const example = exampleOf(route);
  const all: Record<string, string> = { ...example.params, ...params };
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(all[name]!));
  const query = new URLSearchParams(example.query ?? {}).toString();
  return query === '' ? path : `${path}?${query}`;
}

async function call(route: RouteDefinition, token: string | null, url = urlOf(route)) {
  const example = exampleOf(route);
  const response = await fetch(`${gateway.url}${url}`, {
    method: route.method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(example.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(route.ifMatch === 'required' ? { 'if-match': '*' } : {}),
    },
    body: example.body === undefined ? undefined : JSON.stringify(example.body),
  });
  const body = await response.text();
  return { status: response.status, body, json: body === '' ? undefined : JSON.parse(body) };
}

/** What a refusal must look like: the contract's error shape with this code. */
function expectRefusal(reply: Awaited<ReturnType<typeof call>>, status: number, code: string) {
  expect({ status: reply.status, code: reply.json?.error?.code }).toEqual({ status, code });
  expect(errorBody.safeParse(reply.json).success).toBe(true);
}

/** Bytes of other domains in an answer, cursors decoded too. */
function foreignBytesIn(text: string): string[] {
  const cursors = [...text.matchAll(/"nextCursor":"([A-Za-z0-9_-]+)"/g)].map((m) =>
    Buffer.from(m[1]!, 'base64url').toString('latin1'),
  );
  return FOREIGN_BYTES.filter((bytes) => [text, ...cursors].some((t) => t.includes(bytes)));
}

/** Routes that only an administrator of every domain may use: the Sales administrator gets 403. */
const ALL_DOMAINS_ONLY = new Set(['putSecurityDomain', 'listAgents', 'getAgent', 'putAgent']);

const KINDS: CallerKind[] = [
  'no token',
  'bad signature',
  'expired',
  'wrong audience',
  'wrong scope',
  'administrator of another domain',
  'user token',
  'client token',
  'right caller',
];

describe.each(ALL_ROUTES.map((route) => [route.operationId, route] as const))('%s', (_name, route) => {
  it.each(KINDS)('%s', async (kind) => {
    // The Sales administrator aims at another domain's resource; the examples name alice's (SystemDomain).
    const elsewhere: Record<string, string> =
      kind === 'administrator of another domain' ? { domainId: 'SystemDomain' } : {};
    const reply = await call(route, await tokenFor(kind, route), urlOf(route, elsewhere));
    if (route.scope === null) {
      expect(reply.status).toBe(200);
      return;
    }
    switch (kind) {
      case 'no token':
      case 'bad signature':
      case 'expired':
      case 'wrong audience':
        return expectRefusal(reply, 401, 'UNAUTHENTICATED');
      case 'wrong scope':
        return expectRefusal(reply, 403, 'FORBIDDEN');
      case 'administrator of another domain': {
        expect(foreignBytesIn(reply.body)).toEqual([]);
        if (route.scope === 'eat/agent') return expectRefusal(reply, 403, 'FORBIDDEN');
        if (ALL_DOMAINS_ONLY.has(route.operationId)) return expectRefusal(reply, 403, 'FORBIDDEN');
        if (route.method === 'GET' && route.path.endsWith('s') && !route.path.includes('{')) {
          expect(reply.status).toBe(200);
          return;
        }
        if (route.operationId === 'importToken') {
          // Into a domain the administrator cannot see: as if the domain did not exist.
          return expectRefusal(reply, 404, 'NOT_FOUND');
        }
        return expectRefusal(reply, 404, 'NOT_FOUND');
      }
      case 'user token':
      case 'client token':
      case 'right caller': {
        const wrongScope =
          (kind === 'user token' && route.scope === 'eat/agent') ||
          (kind === 'client token' && route.scope === 'eat/admin');
        if (wrongScope) return expectRefusal(reply, 403, 'FORBIDDEN');
        // Authorized: whatever the route answers for the example, never a refusal of the caller, never a fault.
        expect([reply.status, reply.json?.error?.code]).not.toEqual(expect.arrayContaining([401]));
        expect([401, 403, 404]).not.toContain(reply.status);
        expect(reply.status).toBeLessThan(500);
        return;
      }
    }
  });
});
