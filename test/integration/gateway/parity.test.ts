/**
 * The local gateway answers as the deployed API would: the same requests, sent over HTTP to the local
 * gateway and handed to the functions as API Gateway hands them (an APIGatewayProxyEventV2 carrying the
 * authorizer's claims), get the same status, the same error code and the contract's error shape, never
 * one of fastify's own answers.
 *
 * Where API Gateway answers by itself and the function never runs (no route, a token its authorizer
 * refuses) the functions refuse the same request on their own as well; the case's event is what a
 * function would receive if the request got past API Gateway (no claims, an expired token's claims).
 */
import { connect } from 'node:net';
import * as z from 'zod/mini';
import { ALL_ROUTES } from '../../../functions/api/contract/routes';
import { errorBody } from '../../../functions/api/contract/schemas';
import { MAX_BODY_BYTES } from '../../../functions/http/request-limits';
import type { RouteDefinition } from '../../../functions/api/contract/route';
import { giveOfflineCode, seedDemo, USERS } from '../../support/demo';
import { ADMIN, AGENT, type Claims } from '../../support/events';
import { startTestGateway, type TestGateway } from '../../support/gateway';
import { startTestSystem, type Reply, type TestSystem } from '../../support/system';
import { exampleOf } from '../admin/route-examples';

/** The error shape with no field beside the contract's. */
const strictErrorBody = z.strictObject(errorBody.shape);

let system: TestSystem;
let gateway: TestGateway;

type Caller = 'admin' | 'agent' | 'none' | 'expired' | 'wrong scope';

interface Case {
  name: string;
  route: RouteDefinition;
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** Sent as is, with Content-Type: application/json. */
  body?: string;
  caller: Caller;
  expected: { status: number; code?: string };
}

const byId = (operationId: string) => ALL_ROUTES.find((route) => route.operationId === operationId)!;
const getToken = byId('getToken');
const putDomain = byId('putSecurityDomain');
const HOUR_AGO = Math.floor(Date.now() / 1000) - 3600;

const callerOf = (route: RouteDefinition): Caller =>
  route.scope === null ? 'none' : route.scope === 'eat/agent' ? 'agent' : 'admin';

/** One request each route refuses as invalid: a path parameter of a character no identifier has, else an
 * unknown body field (objects are strict), else a limit out of range, else a query parameter where none
 * is taken. */
function badInputFor(route: RouteDefinition): Case {
  const example = exampleOf(route);
  const base = { name: `bad input: ${route.operationId}`, route, caller: callerOf(route) };
  const body = example.body === undefined ? undefined : JSON.stringify(example.body);
  const expected = { status: 400, code: 'VALIDATION_FAILED' };
  if (example.params !== undefined) {
    const [name] = Object.keys(example.params);
    return {
      ...base,
      params: { ...example.params, [name!]: 'no!such' },
      query: example.query,
      body,
      expected,
    };
  }
  if (example.body !== undefined) {
    return {
      ...base,
      body: JSON.stringify({ ...example.body, unexpected: 1 }),
      query: example.query,
      expected,
    };
  }
  if (example.query !== undefined) return { ...base, query: { ...example.query, limit: '0' }, expected };
  return { ...base, query: { unexpected: '1' }, expected };
}

const serial = USERS[0].serial;
const domainBody = JSON.stringify(exampleOf(putDomain).body);

const CASES: Case[] = [
  { name: 'ok', route: getToken, params: { serial }, caller: 'admin', expected: { status: 200 } },
  { name: 'ok, public', route: byId('getOpenApi'), caller: 'none', expected: { status: 200 } },
  {
    name: 'unknown route',
    route: { ...getToken, path: '/v1/no-such-thing' },
    caller: 'admin',
    expected: { status: 404, code: 'NOT_FOUND' },
  },
  {
    name: 'bad JSON',
    route: putDomain,
    params: { domainId: 'Sales' },
    body: '{"name": "Sales",',
    caller: 'admin',
    expected: { status: 400, code: 'VALIDATION_FAILED' },
  },
  {
    name: 'oversize body',
    route: putDomain,
    params: { domainId: 'Sales' },
    body: JSON.stringify({ name: 'Sales', padding: 'x'.repeat(MAX_BODY_BYTES) }),
    caller: 'admin',
    expected: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  },
  {
    name: 'oversize body on a route that takes none',
    route: byId('resetEmergencyAccess'),
    params: { serial },
    body: JSON.stringify({ padding: 'x'.repeat(MAX_BODY_BYTES) }),
    caller: 'admin',
    expected: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  },
  {
    name: 'a body just under the limit is read (and judged by the schema)',
    route: putDomain,
    params: { domainId: 'Sales' },
    body: JSON.stringify({ name: 'Sales', padding: 'x'.repeat(MAX_BODY_BYTES - 100) }),
    caller: 'admin',
    expected: { status: 400, code: 'VALIDATION_FAILED' },
  },
  {
    name: '300-character path parameter',
    route: getToken,
    params: { serial: 'A'.repeat(300) },
    caller: 'admin',
    expected: { status: 400, code: 'VALIDATION_FAILED' },
  },
  {
    name: 'no token',
    route: getToken,
    params: { serial },
    caller: 'none',
    expected: { status: 401, code: 'UNAUTHENTICATED' },
  },
  {
    name: 'expired token',
    route: putDomain,
    params: { domainId: 'Sales' },
    body: domainBody,
    caller: 'expired',
    expected: { status: 401, code: 'UNAUTHENTICATED' },
  },
  {
    name: 'wrong scope',
    route: getToken,
    params: { serial },
    caller: 'wrong scope',
    expected: { status: 403, code: 'FORBIDDEN' },
  },
  {
    name: 'an agent on an administrator’s route',
    route: getToken,
    params: { serial },
    caller: 'agent',
    expected: { status: 403, code: 'FORBIDDEN' },
  },
  // Every route: exampleOf fails for a route without an example, so none is left out.
  ...ALL_ROUTES.map(badInputFor),
];

const CLAIMS: Record<Caller, Claims | null> = {
  admin: ADMIN,
  agent: AGENT,
  none: null,
  expired: { ...ADMIN, exp: String(HOUR_AGO) } as Claims,
  'wrong scope': { ...ADMIN, scope: 'openid profile' },
};

const tokens = {} as Record<Caller, string | null>;

beforeAll(async () => {
  system = await startTestSystem();
  await seedDemo(system);
  await giveOfflineCode(system, USERS[0], 'K7QM2XHP');
  gateway = await startTestGateway(system);
  tokens.admin = await gateway.clientToken('helpdesk');
  tokens.agent = await gateway.clientToken('win-agent-1');
  tokens.none = null;
  tokens.expired = await gateway.forge({
    client_id: 'helpdesk',
    scope: 'eat/admin',
    domains: ['*'],
    exp: HOUR_AGO,
  });
  tokens['wrong scope'] = await gateway.forge({
    client_id: 'helpdesk',
    scope: 'openid profile',
    domains: ['*'],
  });
});

afterAll(async () => {
  await gateway?.close();
  await system?.stop();
});

function pathOf(test: Case): string {
  const path = test.route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(test.params?.[name] ?? ''),
  );
  const query = new URLSearchParams(test.query ?? {}).toString();
  return query === '' ? path : `${path}?${query}`;
}

async function overHttp(test: Case): Promise<Reply> {
  const token = tokens[test.caller];
  const response = await fetch(`${gateway.url}${pathOf(test)}`, {
    method: test.route.method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(test.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: test.body,
  });
  const raw = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: raw === '' ? undefined : JSON.parse(raw),
    raw,
  };
}

const asApiGatewayWould = (test: Case): Promise<Reply> =>
  system.call(test.route, {
    params: test.params,
    query: test.query,
    rawBody: test.body,
    claims: CLAIMS[test.caller],
  });

/** What a client can rely on in an answer: the status, and for an error its code and the contract's shape. */
function contractOf(reply: Reply) {
  const header = (name: string) => reply.headers[name] ?? reply.headers[name.toLowerCase()];
  if (reply.status < 400) return { status: reply.status, contentType: header('content-type') };
  return {
    status: reply.status,
    code: reply.body?.error?.code,
    shape: strictErrorBody.safeParse(reply.body).success,
    requestIdIsTheHeader: reply.body?.error?.requestId === header('x-request-id'),
    contentType: header('content-type'),
    cacheControl: header('cache-control'),
    challenge: /^Bearer error="invalid_token", error_description="[^"\\]+"$/.test(
      header('www-authenticate') ?? '',
    )
      ? 'invalid_token'
      : header('www-authenticate'),
  };
}

describe('the local gateway and the functions as API Gateway calls them', () => {
  it.each(CASES.map((test) => [test.name, test] as const))('%s', async (_name, test) => {
    const [local, deployed] = [await overHttp(test), await asApiGatewayWould(test)];
    expect(contractOf(local)).toEqual(contractOf(deployed));
    expect({ status: local.status, code: local.body?.error?.code }).toEqual(test.expected);
    expect(local.raw).not.toMatch(/FST_|statusCode/);
    if (test.expected.status < 400) {
      expect(local.body).toEqual(deployed.body);
    } else {
      expect(contractOf(local)).toMatchObject({
        shape: true,
        requestIdIsTheHeader: true,
        contentType: 'application/json',
        cacheControl: 'no-store',
      });
      // The same reasons, field by field.
      expect(local.body.error.reasons).toEqual(deployed.body.error.reasons);
    }
    if (test.expected.status === 401) expect(contractOf(local).challenge).toBe('invalid_token');
    if (test.expected.status === 413) expect(local.body.error.message).toContain(String(MAX_BODY_BYTES));
  });

  it('says why a token is refused, in WWW-Authenticate and in the message alike', async () => {
    const expired = await overHttp(CASES.find((c) => c.name === 'expired token')!);
    const handler = await asApiGatewayWould(CASES.find((c) => c.name === 'expired token')!);
    for (const reply of [expired, handler]) {
      expect(reply.headers['www-authenticate']).toBe(
        'Bearer error="invalid_token", error_description="The token has expired"',
      );
      expect(reply.body.error.message).toBe('The token has expired');
    }
    const wrongAudience = await gateway.forge({
      client_id: 'helpdesk',
      scope: 'eat/admin',
      aud: 'another-api',
    });
    const reply = await fetch(`${gateway.url}/v1/tokens/${serial}`, {
      headers: { authorization: `Bearer ${wrongAudience}` },
    });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", error_description="The token does not have a valid audience"',
    );
    const missing = await fetch(`${gateway.url}/v1/tokens/${serial}`);
    expect(missing.headers.get('www-authenticate')).toMatch(
      /^Bearer error="invalid_token", error_description="No bearer token/,
    );
  });

  it('answers a request it cannot read in the contract’s shape too', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const url = new URL(gateway.url);
      const socket = connect({ host: url.hostname, port: Number(url.port) }, () =>
        socket.write('GET /v1/tokens HTTP/1.1\r\nHost: x\r\nNot a header line\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/^content-type: application\/json$/m);
    const parsed = JSON.parse(body!);
    expect(strictErrorBody.safeParse(parsed).success).toBe(true);
    expect(parsed.error.code).toBe('VALIDATION_FAILED');
    expect(raw).not.toMatch(/FST_|statusCode/);
  });

  it('passes a body over the product limit to the function, as API Gateway does, and refuses one over API Gateway’s own quota itself', async () => {
    const huge = JSON.stringify({ name: 'Sales', padding: 'x'.repeat(11 * 1024 * 1024) });
    const reply = await fetch(`${gateway.url}/v1/security-domains/Sales`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
      body: huge,
    });
    const body = (await reply.json()) as { error: { code: string; message: string } };
    expect(reply.status).toBe(413);
    expect(strictErrorBody.safeParse(body).success).toBe(true);
    expect(body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
