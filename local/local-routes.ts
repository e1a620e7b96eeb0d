/**
 * The routes only the local system has: the OAuth token issuer (client credentials, and authorization
 * code with PKCE for the named administrators), the expiry sweep (with its timer), and the replication
 * between the local regions: its figures, a partition made and healed by hand, and a wait until
 * everything written so far has been replicated.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, ValidationError } from '../shared/domain/errors';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { sweepExpired } from '../shared/use-cases/sweep-expired';
import { CONSOLE_CLIENT_ID, type LocalClient, type LocalUser } from './clients';
import { refuse } from './gateway';
import { authenticateClient, authenticateUser, type LocalIssuer } from './jwt';
import type { Replicator } from './replicator';

const tokenRequest = z.object({
  grant_type: z.string().max(64),
  client_id: z.string().max(128).optional(),
  client_secret: z.string().max(256).optional(),
  code: z.string().max(128).optional(),
  redirect_uri: z.string().max(512).optional(),
  code_verifier: z.string().max(128).optional(),
});

/** RFC 7636: 43-128 unreserved characters; S256 only. */
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
/** RFC 8252: a native app's loopback redirect, any port. */
const LOOPBACK_REDIRECT = /^http:\/\/(127\.0\.0\.1|localhost)(:\d{1,5})?\/[^\s]*$/;
const CODE_LIFETIME_MS = 60_000;

/** The sign-in form a login page would post (the local system has no page: eatctl posts it). */
const authorizeRequest = z.object({
  response_type: z.literal('code'),
  client_id: z.literal(CONSOLE_CLIENT_ID),
  redirect_uri: z.string().max(512).regex(LOOPBACK_REDIRECT),
  code_challenge: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  code_challenge_method: z.literal('S256'),
  state: z.string().max(256).optional(),
  username: z.string().max(128),
  password: z.string().max(256),
});

interface PendingCode {
  user: LocalUser;
  redirectUri: string;
  challenge: string;
  expiresAt: number;
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const sweepRequest = z.strictObject({ now: z.iso.datetime().optional() });

const partitionRequest = z.strictObject({
  from: z.string().max(64).optional(),
  to: z.string().max(64).optional(),
});

export interface LocalReplication {
  replicator: Replicator;
  regions: readonly string[];
  delayMs: number;
}

const SETTLE_TIMEOUT_MS = 60_000;

/** The request's body as JSON: `{}` when there is none, null when it is not JSON, a form as parsed. */
function jsonBody(request: FastifyRequest): unknown {
  if (typeof request.body !== 'string') return request.body ?? {};
  if (request.body.trim() === '') return {};
  try {
    return JSON.parse(request.body);
  } catch {
    return null;
  }
}

const validationFailed = (reply: FastifyReply, message: string) =>
  refuse(reply, new ValidationError(message));

export interface LocalRoutesOptions {
  deps: UseCaseDependencies;
  issuer: LocalIssuer;
  clients: readonly LocalClient[];
  /** Absent for a single gateway (the tests'): no replication routes then. */
  replication?: LocalReplication;
  users: readonly LocalUser[];
}

export function localRoutes(options: LocalRoutesOptions) {
  const runSweep = (now: Date) => sweepExpired(options.deps, { now });

  /** Authorization codes, single use, for one minute. */
  const codes = new Map<string, PendingCode>();

  /** Redeems a code once: the client, the redirect and the PKCE verifier must match what was asked. */
  const redeem = (form: z.infer<typeof tokenRequest>): LocalUser | null => {
    const pending = codes.get(form.code ?? '');
    codes.delete(form.code ?? '');
    const verifier = form.code_verifier ?? '';
    if (pending === undefined || pending.expiresAt < Date.now()) return null;
    if (form.client_id !== CONSOLE_CLIENT_ID || form.redirect_uri !== pending.redirectUri) return null;
    return CODE_VERIFIER.test(verifier) && sameText(s256(verifier), pending.challenge) ? pending.user : null;
  };

  const register = (app: FastifyInstance) => {
    app.post('/local/oauth2/authorize', async (request, reply) => {
      const form = authorizeRequest.safeParse(request.body);
      if (!form.success) return reply.status(400).send({ error: 'invalid_request' });
      const user = authenticateUser(options.users, form.data.username, form.data.password);
      if (user === null) return reply.status(401).send({ error: 'access_denied' });
      const code = randomBytes(32).toString('base64url');
      for (const [key, pending] of codes) if (pending.expiresAt < Date.now()) codes.delete(key);
      codes.set(code, {
        user,
        redirectUri: form.data.redirect_uri,
        challenge: form.data.code_challenge,
        expiresAt: Date.now() + CODE_LIFETIME_MS,
      });
      const location = new URL(form.data.redirect_uri);
      location.searchParams.set('code', code);
      if (form.data.state !== undefined) location.searchParams.set('state', form.data.state);
      return reply.header('cache-control', 'no-store').redirect(location.toString(), 302);
    });

    app.post('/local/oauth2/token', async (request, reply) => {
      const form = tokenRequest.safeParse(request.body);
      if (!form.success) return reply.status(400).send({ error: 'invalid_request' });
      if (form.data.grant_type === 'authorization_code') {
        const user = redeem(form.data);
        if (user === null) return reply.status(400).send({ error: 'invalid_grant' });
        return reply.header('cache-control', 'no-store').send(await options.issuer.issueForUser(user));
      }
      if (form.data.grant_type !== 'client_credentials') {
        return reply.status(400).send({ error: 'unsupported_grant_type' });
      }
      // Client credentials in the form, or as HTTP Basic (RFC 6749 section 2.3.1).
      let clientId = form.data.client_id ?? '';
      let secret = form.data.client_secret ?? '';
      const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
      if (basic) {
        const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        clientId = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      }
      const client = authenticateClient(options.clients, clientId, secret);
      if (client === null) return reply.status(401).send({ error: 'invalid_client' });
      return reply.header('cache-control', 'no-store').send(await options.issuer.issue(client));
    });

    app.post('/local/sweep', async (request, reply) => {
      const parsed = sweepRequest.safeParse(jsonBody(request));
      if (!parsed.success) return validationFailed(reply, 'Give {"now": "<ISO time>"} or nothing');
      const now = parsed.data.now ? new Date(parsed.data.now) : new Date();
      return reply.send({ now: now.toISOString(), ...(await runSweep(now)) });
    });

    if (options.replication === undefined) return;
    const { replicator, regions, delayMs } = options.replication;
    const replicationState = () => ({
      regions,
      delayMs,
      held: replicator.heldPairs().map(([from, to]) => ({ from, to })),
      ...replicator.stats(),
    });
    app.get('/local/replication', async (_request, reply) => reply.send(replicationState()));

    for (const [path, change] of [
      ['/local/replication/hold', (from?: string, to?: string) => replicator.hold(from, to)],
      ['/local/replication/release', (from?: string, to?: string) => replicator.release(from, to)],
    ] as const) {
      app.post(path, async (request, reply) => {
        const parsed = partitionRequest.safeParse(jsonBody(request));
        const named = parsed.success ? [parsed.data.from, parsed.data.to] : [];
        if (!parsed.success || named.some((name) => name !== undefined && !regions.includes(name))) {
          return validationFailed(
            reply,
            `Give {"from": "<region>", "to": "<region>"}, either, or nothing; regions: ${regions.join(', ')}`,
          );
        }
        change(parsed.data.from, parsed.data.to);
        return reply.send(replicationState());
      });
    }

    app.post('/local/replication/settle', async (_request, reply) => {
      try {
        await replicator.settle(SETTLE_TIMEOUT_MS);
      } catch (error) {
        const message = error instanceof Error ? error.message : 'Replication did not settle';
        return refuse(reply, new AppError('DEPENDENCY_UNAVAILABLE', message, { retryable: true }));
      }
      return reply.send(replicationState());
    });
  };

  /** Runs the sweep every `seconds`; returns the function that stops it. */
  const startSweepTimer = (seconds: number) => {
    if (!(seconds > 0)) return () => undefined;
    const timer = setInterval(() => {
      runSweep(new Date()).catch(() => undefined);
    }, seconds * 1000);
    timer.unref();
    return () => clearInterval(timer);
  };

  return { register, startSweepTimer };
}
