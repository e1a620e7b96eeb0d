/**
 * The help-desk console on the local system: its built files (`console/dist`, built by `npm start`'s
 * prestart step) at `/console/`, its settings at `/console/config.json` (this issuer and both regions),
 * the local issuer's sign-in page (`GET /local/oauth2/authorize`, a plain form, no script), and CORS on the
 * API for the console's origins so that it can switch to the other region, as a deployed API allows the
 * console's CloudFront origin.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { consoleContentSecurityPolicy } from '../console/content-security-policy';
import { CONSOLE_CLIENT_ID } from './clients';
import { projectRoot } from './engines';

export const CONSOLE_DIST = join(projectRoot(), 'console', 'dist');

export interface ConsoleRegion {
  name: string;
  port: number;
}

/** Both loopback names a browser may use for the local system, for a port. */
export const loopbackOrigins = (port: number) => [`http://127.0.0.1:${port}`, `http://localhost:${port}`];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The sign-in form the local issuer shows (Cognito's hosted page is the deployed one). */
function signInPage(query: Record<string, string>): string {
  const hidden = [
    'response_type',
    'client_id',
    'redirect_uri',
    'code_challenge',
    'code_challenge_method',
    'state',
  ]
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(query[name] ?? '')}">`)
    .join('\n      ');
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in: local issuer</title><link rel="icon" href="data:,"></head>
  <body>
    <main>
    <h1>Sign in to the help-desk console</h1>
    <p>Local issuer of the demo administrators (jane.admin, sam.sales: see the banner of npm start).</p>
    <form method="post" action="/local/oauth2/authorize">
      ${hidden}
      <p><label for="username">User name</label><br><input id="username" name="username" autocomplete="username" required autofocus></p>
      <p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
      <p><button type="submit">Sign in</button></p>
    </form>
    </main>
  </body>
</html>
`;
}

export interface ConsoleServing {
  /** This gateway's port: the console's settings name the loopback host the browser used. */
  port: number;
  regions: readonly ConsoleRegion[];
  distDir?: string;
}

/** Serves the console and the sign-in page from this gateway. */
export function serveConsole(app: FastifyInstance, options: ConsoleServing): void {
  const distDir = options.distDir ?? CONSOLE_DIST;
  const hostOf = (request: FastifyRequest) =>
    request.headers.host === `localhost:${options.port}` ? 'localhost' : '127.0.0.1';
  const otherOrigins = (host: string) =>
    options.regions.filter((r) => r.port !== options.port).map((r) => `http://${host}:${r.port}`);
  const send = (reply: FastifyReply, file: string, csp: string) => {
    if (!existsSync(file)) {
      return reply
        .status(404)
        .header('content-type', 'text/plain; charset=utf-8')
        .send('The console is not built: run `npm run console:build` (npm start does).\n');
    }
    return reply
      .header('content-type', CONTENT_TYPES[extname(file)] ?? 'application/octet-stream')
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', file.endsWith('.html') ? 'no-store' : 'public, max-age=3600')
      .send(readFileSync(file));
  };

  app.get('/console', async (_request, reply) => reply.redirect('/console/', 301));
  for (const path of ['/console/', '/console/index.html']) {
    app.get(path, async (request, reply) =>
      send(reply, join(distDir, 'index.html'), consoleContentSecurityPolicy(otherOrigins(hostOf(request)))),
    );
  }
  app.get('/console/assets/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    if (!/^[A-Za-z0-9_.-]+\.(js|css|svg)$/.test(file) || file.startsWith('.')) {
      return reply
        .status(404)
        .send({ error: { code: 'NOT_FOUND', message: 'No such file', reasons: [], requestId: '' } });
    }
    return send(reply, join(distDir, 'assets', file), consoleContentSecurityPolicy([]));
  });
  app.get('/console/config.json', async (request, reply) => {
    const base = `http://${hostOf(request)}:${options.port}`;
    return reply.header('cache-control', 'no-store').send({
      auth: {
        authorizeUrl: `${base}/local/oauth2/authorize`,
        tokenUrl: `${base}/local/oauth2/token`,
        clientId: CONSOLE_CLIENT_ID,
        scope: 'eat/admin',
      },
      regions: options.regions.map((r) => ({ name: r.name, apiBase: `http://${hostOf(request)}:${r.port}` })),
    });
  });
  app.get('/local/oauth2/authorize', async (request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header(
        'content-security-policy',
        "default-src 'none'; img-src data:; form-action 'self'; frame-ancestors 'none'",
      )
      .header('cache-control', 'no-store')
      .send(signInPage(request.query as Record<string, string>)),
  );
}

const CORS_HEADERS = 'authorization, content-type, if-match';
const EXPOSED_HEADERS = 'etag, x-request-id, x-region';

/**
 * CORS for the console's origins on every route of this gateway: a preflight answers 204, and each answer
 * to an allowed origin says so. Other origins get no CORS headers, so their browsers refuse the answer.
 */
export function allowConsoleOrigins(app: FastifyInstance, origins: readonly string[]): void {
  const allowed = (request: FastifyRequest) => {
    const origin = request.headers.origin;
    return typeof origin === 'string' && origins.includes(origin) ? origin : null;
  };
  app.options('/*', async (request, reply) => {
    const origin = allowed(request);
    if (origin === null) return reply.status(403).send();
    return reply
      .status(204)
      .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
      .header('access-control-allow-headers', CORS_HEADERS)
      .header('access-control-max-age', '600')
      .send();
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const origin = allowed(request);
    reply.header('vary', 'origin');
    if (origin !== null) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    }
    return payload;
  });
}
