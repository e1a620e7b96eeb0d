/**
 * The routes only the local system has: the OAuth token issuer, the expiry sweep (with its timer), and the
 * replication between the local regions: its figures, a partition made and healed by hand, and a wait until
 * everything written so far has been replicated.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { sweepExpired } from '../shared/use-cases/sweep-expired';
import type { LocalClient } from './clients';
import { authenticateClient, type LocalIssuer } from './jwt';
import type { Replicator } from './replicator';

const tokenRequest = z.object({
  grant_type: z.string().max(64),
  client_id: z.string().max(128).optional(),
  client_secret: z.string().max(256).optional(),
});

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

function validationFailed(reply: FastifyReply, message: string) {
  return reply
    .status(400)
    .send({ error: { code: 'VALIDATION_FAILED', message, reasons: [], requestId: '' } });
}

export interface LocalRoutesOptions {
  deps: UseCaseDependencies;
  issuer: LocalIssuer;
  clients: readonly LocalClient[];
  replication: LocalReplication;
}

export function localRoutes(options: LocalRoutesOptions) {
  const runSweep = (now: Date) => sweepExpired(options.deps, { now });

  const register = (app: FastifyInstance) => {
    app.post('/local/oauth2/token', async (request, reply) => {
      const form = tokenRequest.safeParse(request.body);
      if (!form.success) return reply.status(400).send({ error: 'invalid_request' });
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
        return reply.status(503).send({
          error: { code: 'DEPENDENCY_UNAVAILABLE', message, reasons: [], requestId: '' },
        });
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
