/**
 * Findings 1 and 2 of the trust review, through the local gateway and issuer: the audit names the
 * person who signed in (authorization code with PKCE, as eatctl does it), with the app client beside it;
 * cursors are sealed, bound to the caller and the query, and tell nothing about other domains.
 */
import { callApi, type Connection } from '../../../cli/api-client';
import { giveOfflineCode, seedDemo, USERS } from '../../support/demo';
import { startTestGateway, type TestGateway } from '../../support/gateway';
import { startTestSystem, type TestSystem } from '../../support/system';

let system: TestSystem;
let gateway: TestGateway;

beforeAll(async () => {
  system = await startTestSystem();
  await seedDemo(system);
  await giveOfflineCode(system, USERS[0], 'K7QM2XHP');
  gateway = await startTestGateway(system);
});

afterAll(async () => {
  await gateway?.close();
  await system?.stop();
});

async function get(path: string, token: string) {
  const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) };
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  redirect: 'manual' as const,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('finding 1: the audit names the person', () => {
  it('signs jane.admin in with PKCE (as eatctl --user does) and audits her view as her, via the console', async () => {
    const jane: Connection = { endpoint: gateway.url, user: 'jane.admin', password: 'jane-password' };
    const view = await callApi(jane, 'GET', '/v1/tokens/000100000001/emergency-access');
    expect(view.status).toBe(200);
    const helpdesk = await gateway.clientToken('helpdesk');
    const trail = await get('/v1/tokens/000100000001/audit?limit=5', helpdesk);
    const viewed = trail.body.items.find((e: { action: string }) => e.action === 'emergency-access.view');
    expect(viewed).toMatchObject({
      actor: 'jane.admin',
      details: expect.objectContaining({ via: 'eat-console' }),
    });
  });

  it('audits a client-credentials administrator as the client, with no via', async () => {
    const helpdesk = await gateway.clientToken('helpdesk');
    await get('/v1/tokens/000100000002/emergency-access', helpdesk);
    const trail = await get('/v1/tokens/000100000002/audit?limit=5', helpdesk);
    expect(trail.body.items[0]).toMatchObject({ actor: 'helpdesk' });
    expect(trail.body.items[0].details.via).toBeUndefined();
  });

  it('refuses a wrong password, a wrong PKCE verifier and a code used twice', async () => {
    const authorize = `${gateway.url}/local/oauth2/authorize`;
    const token = `${gateway.url}/local/oauth2/token`;
    const verifier = 'v'.repeat(43);
    const { createHash } = await import('node:crypto');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const ask = {
      response_type: 'code',
      client_id: 'eat-console',
      redirect_uri: 'http://127.0.0.1/cb',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      username: 'sam.sales',
    };
    expect((await fetch(authorize, form({ ...ask, password: 'guess' }))).status).toBe(401);
    const codeOf = async () => {
      const answer = await fetch(authorize, form({ ...ask, password: 'sam-password' }));
      expect(answer.status).toBe(302);
      return new URL(answer.headers.get('location')!).searchParams.get('code')!;
    };
    const redeem = (code: string, codeVerifier: string) =>
      fetch(
        token,
        form({
          grant_type: 'authorization_code',
          client_id: 'eat-console',
          redirect_uri: 'http://127.0.0.1/cb',
          code,
          code_verifier: codeVerifier,
        }),
      );
    expect((await redeem(await codeOf(), 'w'.repeat(43))).status).toBe(400);
    const code = await codeOf();
    const first = await redeem(code, verifier);
    expect(first.status).toBe(200);
    const claims = await gateway.issuer.verify(
      ((await first.json()) as { access_token: string }).access_token,
    );
    expect(claims?.claims).toMatchObject({
      username: 'sam.sales',
      client_id: 'eat-console',
      domains: '[Sales]',
    });
    expect((await redeem(code, verifier)).status).toBe(400);
  });
});

describe('finding 2: cursors', () => {
  it('answers a Sales administrator alike for a user of another domain and for no user at all', async () => {
    const sam = await gateway.userToken('sam.sales');
    const alice = await get('/v1/tokens?userId=alice&limit=1', sam);
    const nobody = await get('/v1/tokens?userId=no-such-user&limit=1', sam);
    expect(alice.status).toBe(200);
    expect(alice.body).toEqual({ items: [], nextCursor: null });
    expect(alice.text).toBe(nobody.text);
  });

  it('lists a Sales administrator’s domains without naming another, in the items or the cursor', async () => {
    const sam = await gateway.userToken('sam.sales');
    const page = await get('/v1/security-domains?limit=1', sam);
    expect(page.body.items.map((d: { id: string }) => d.id)).toEqual(['Sales']);
    expect(page.body.nextCursor).toBeNull();
  });

  it('hands out opaque cursors: nothing of the store key, a name or a serial shows when decoded', async () => {
    const helpdesk = await gateway.clientToken('helpdesk');
    const domains = await get('/v1/security-domains?limit=1', helpdesk);
    const search = await get('/v1/tokens?domain=SystemDomain&limit=1', helpdesk);
    for (const cursor of [domains.body.nextCursor, search.body.nextCursor]) {
      expect(typeof cursor).toBe('string');
      const decoded = Buffer.from(cursor, 'base64url').toString('latin1');
      for (const plain of ['DOMAIN#', 'TOKEN#', 'Contractors', 'SystemDomain', 'archer', '000100000001']) {
        expect(decoded).not.toContain(plain);
      }
    }
  });

  it('refuses (400) a cursor used by another caller, with another query, or changed by a byte', async () => {
    const helpdesk = await gateway.clientToken('helpdesk');
    const jane = await gateway.userToken('jane.admin');
    const sam = await gateway.userToken('sam.sales');
    const first = await get('/v1/tokens?domain=SystemDomain&limit=1', helpdesk);
    const cursor: string = first.body.nextCursor;
    expect((await get(`/v1/tokens?domain=SystemDomain&limit=1&cursor=${cursor}`, helpdesk)).status).toBe(200);

    const flipped = `${cursor.slice(0, 40)}${cursor[40] === 'A' ? 'B' : 'A'}${cursor.slice(41)}`;
    for (const [label, path, token] of [
      [
        'another administrator of all domains',
        `/v1/tokens?domain=SystemDomain&limit=1&cursor=${cursor}`,
        jane,
      ],
      ['the Sales administrator', `/v1/tokens?domain=SystemDomain&limit=1&cursor=${cursor}`, sam],
      ['the Sales administrator, own domain', `/v1/tokens?domain=Sales&limit=1&cursor=${cursor}`, sam],
      ['another query', `/v1/tokens?lastName=a&limit=1&cursor=${cursor}`, helpdesk],
      ['another route', `/v1/security-domains?limit=1&cursor=${cursor}`, helpdesk],
      ['another token’s audit trail', `/v1/tokens/000100000002/audit?cursor=${cursor}`, helpdesk],
      ['a changed byte', `/v1/tokens?domain=SystemDomain&limit=1&cursor=${flipped}`, helpdesk],
      ['a made-up cursor', `/v1/tokens?domain=SystemDomain&cursor=WyJTeXN0ZW1Eb21haW4iLCIiXQ`, helpdesk],
    ] as const) {
      const reply = await get(path, token);
      expect([label, reply.status, reply.body.error?.code]).toEqual([label, 400, 'VALIDATION_FAILED']);
    }
  });

  it('binds an audit trail cursor to its token', async () => {
    const helpdesk = await gateway.clientToken('helpdesk');
    for (let i = 0; i < 3; i++) await get('/v1/tokens/000100000001/emergency-access', helpdesk);
    const first = await get('/v1/tokens/000100000001/audit?limit=1', helpdesk);
    const cursor: string = first.body.nextCursor;
    expect((await get(`/v1/tokens/000100000001/audit?limit=1&cursor=${cursor}`, helpdesk)).status).toBe(200);
    const elsewhere = await get(`/v1/tokens/000100000002/audit?limit=1&cursor=${cursor}`, helpdesk);
    expect(elsewhere.status).toBe(400);
  });
});
