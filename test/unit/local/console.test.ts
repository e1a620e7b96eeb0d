/**
 * The local system's serving of the console (local/console.ts), over loopback HTTP: the page with
 * its content security policy, only the build's own files, the settings for the host the browser used,
 * the issuer's sign-in page (no script, the request's values escaped), and CORS for the console's origins
 * only.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { allowConsoleOrigins, loopbackOrigins, serveConsole } from '../../../local/console';

let dist: string;
let app: FastifyInstance;
let port: number;

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** node:http, not fetch: the test sets Host and Origin as a browser would. */
function inject(options: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: options.url,
        method: options.method ?? 'GET',
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({ statusCode: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'eat-console-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(
    join(dist, 'index.html'),
    '<!doctype html><script type="module" src="/console/assets/a.js"></script>',
  );
  writeFileSync(join(dist, 'assets', 'a.js'), 'export {};');
  writeFileSync(join(dist, 'secret.txt'), 'not served');
  app = Fastify();
  serveConsole(app, {
    port: 3000,
    regions: [
      { name: 'local-primary', port: 3000 },
      { name: 'local-replica', port: 3001 },
    ],
    distDir: dist,
  });
  allowConsoleOrigins(app, loopbackOrigins(3000));
  app.get('/v1/tokens', async () => ({ items: [], nextCursor: null }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await app.close();
  rmSync(dist, { recursive: true, force: true });
});

test('the page comes with a content security policy that allows no inline script', async () => {
  const page = await inject({ url: '/console/', headers: { host: '127.0.0.1:3000' } });
  expect(page.statusCode).toBe(200);
  const csp = page.headers['content-security-policy'] as string;
  expect(csp).toContain("script-src 'self';");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).toContain("connect-src 'self' http://127.0.0.1:3001");
  expect(page.headers['cache-control']).toBe('no-store');
  expect((await inject({ url: '/console' })).headers.location).toBe('/console/');
});

test("only the build's assets are served", async () => {
  expect((await inject({ url: '/console/assets/a.js' })).statusCode).toBe(200);
  for (const url of [
    '/console/assets/..%2Fsecret.txt',
    '/console/assets/secret.txt',
    '/console/secret.txt',
  ]) {
    const reply = await inject({ url });
    expect(reply.statusCode).toBe(404);
    expect(reply.body).not.toContain('not served');
  }
});

test('the settings name the issuer and both regions on the host the browser used', async () => {
  const viaLocalhost = await inject({ url: '/console/config.json', headers: { host: 'localhost:3000' } });
  expect(viaLocalhost.json()).toEqual({
    auth: {
      authorizeUrl: 'http://localhost:3000/local/oauth2/authorize',
      tokenUrl: 'http://localhost:3000/local/oauth2/token',
      clientId: 'eat-console',
      scope: 'eat/admin',
    },
    regions: [
      { name: 'local-primary', apiBase: 'http://localhost:3000' },
      { name: 'local-replica', apiBase: 'http://localhost:3001' },
    ],
  });
  const other = await inject({ url: '/console/config.json', headers: { host: 'evil.example:3000' } });
  expect(other.json().auth.tokenUrl).toBe('http://127.0.0.1:3000/local/oauth2/token');
});

test('the sign-in page escapes what the request carried and runs no script', async () => {
  const state = '"><script>alert(1)</script>';
  const page = await inject({
    url: `/local/oauth2/authorize?client_id=eat-console&state=${encodeURIComponent(state)}`,
  });
  expect(page.statusCode).toBe(200);
  expect(page.body).not.toContain('<script');
  expect(page.body).toContain('&#34;&#62;&#60;script&#62;');
  expect(page.headers['content-security-policy']).toContain("default-src 'none'");
});

test("CORS answers the console's origins only", async () => {
  const preflight = (origin: string) =>
    inject({
      method: 'OPTIONS',
      url: '/v1/tokens',
      headers: {
        origin,
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'if-match',
      },
    });
  const allowed = await preflight('http://127.0.0.1:3000');
  expect(allowed.statusCode).toBe(204);
  expect(allowed.headers['access-control-allow-origin']).toBe('http://127.0.0.1:3000');
  expect(allowed.headers['access-control-allow-headers']).toContain('if-match');
  const refused = await preflight('https://evil.example');
  expect(refused.statusCode).toBe(403);
  expect(refused.headers['access-control-allow-origin']).toBeUndefined();

  const read = await inject({ url: '/v1/tokens', headers: { origin: 'http://localhost:3000' } });
  expect(read.headers['access-control-allow-origin']).toBe('http://localhost:3000');
  expect(read.headers['access-control-expose-headers']).toContain('etag');
  const foreign = await inject({ url: '/v1/tokens', headers: { origin: 'https://evil.example' } });
  expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
});
