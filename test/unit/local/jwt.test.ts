import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, generateKeyPair } from 'jose';
import { LOCAL_CLIENTS } from '../../../local/clients';
import { LOCAL_AUDIENCE, authenticateClient, createLocalIssuer, type LocalIssuer } from '../../../local/jwt';

const ISSUER = 'http://127.0.0.1:3000/local';
let dir: string;
let issuer: LocalIssuer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eat-jwt-'));
  issuer = await createLocalIssuer(join(dir, 'jwt.json'), ISSUER);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const client = (id: string) => LOCAL_CLIENTS.find((c) => c.clientId === id)!;

describe('the local token issuer, with the deployed authorizer’s rules', () => {
  it('issues a token whose claims reach the function as API Gateway passes them', async () => {
    const token = await issuer.issue(client('helpdesk-sales'));
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'eat/admin' });
    const verified = await issuer.verify(token.access_token);
    expect(verified?.scopes).toEqual(['eat/admin']);
    expect(verified?.claims).toMatchObject({
      sub: 'helpdesk-sales',
      client_id: 'helpdesk-sales',
      scope: 'eat/admin',
      domains: '[Sales]',
      iss: ISSUER,
      aud: LOCAL_AUDIENCE,
    });
  });

  it('keeps its signing key across restarts', async () => {
    const token = await issuer.issue(client('helpdesk'));
    const again = await createLocalIssuer(join(dir, 'jwt.json'), ISSUER);
    expect(await again.verify(token.access_token)).not.toBeNull();
  });

  it('refuses another issuer, another audience, an expired token, another key and garbage', async () => {
    const token = (await issuer.issue(client('helpdesk'))).access_token;
    const otherIssuer = await createLocalIssuer(join(dir, 'jwt.json'), 'http://elsewhere/local');
    expect(await otherIssuer.verify(token)).toBeNull();

    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ scope: 'eat/admin' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(await issuer.verify(forged)).toBeNull();

    const [header, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    for (const tampered of [
      { ...claims, aud: 'someone-else' },
      { ...claims, exp: Math.floor(Date.now() / 1000) - 10 },
      { ...claims, scope: 'eat/admin eat/agent' },
    ]) {
      const body = Buffer.from(JSON.stringify(tampered)).toString('base64url');
      expect(await issuer.verify(`${header}.${body}.${token.split('.')[2]}`)).toBeNull();
    }
    expect(await issuer.verify('not.a.jwt')).toBeNull();
    expect(await issuer.verify('')).toBeNull();
  });

  it('says why it refuses a token, as the 401 will', async () => {
    const token = (await issuer.issue(client('helpdesk'))).access_token;
    const otherIssuer = await createLocalIssuer(join(dir, 'jwt.json'), 'http://elsewhere/local');
    expect(await otherIssuer.check(token)).toEqual({
      refused: 'The token was not issued by the expected issuer',
    });
    const { privateKey } = await generateKeyPair('ES256');
    const sign = (claims: Record<string, unknown>, key = privateKey) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setSubject('mallory')
        .setExpirationTime('1h')
        .sign(key);
    expect(await issuer.check(await sign({}))).toEqual({ refused: "The token's signature is not valid" });
    expect(await issuer.check('not.a.jwt')).toEqual({ refused: 'The token is not a valid JWT' });
    expect(await issuer.check(token)).toMatchObject({ scopes: ['eat/admin'] });
  });

  it('authenticates clients by id and secret only', () => {
    expect(authenticateClient(LOCAL_CLIENTS, 'helpdesk', 'helpdesk-secret')?.clientId).toBe('helpdesk');
    expect(authenticateClient(LOCAL_CLIENTS, 'helpdesk', 'helpdesk-secreT')).toBeNull();
    expect(authenticateClient(LOCAL_CLIENTS, 'helpdesk', '')).toBeNull();
    expect(authenticateClient(LOCAL_CLIENTS, 'nobody', 'helpdesk-secret')).toBeNull();
  });
});
