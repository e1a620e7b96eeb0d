/** The routes only the local system has: the OAuth token issuer and the expiry sweep, with its timer. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { sweepExpired } from '../shared/use-cases/sweep-expired';
import type { LocalClient } from './clients';
import { authenticateClient, type LocalIssuer } from './jwt';

const tokenRequest = z.object({
  grant_type: z.string().max(64),
  client_id: z.string().max(128).optional(),
  client_secret: z.string().max(256).optional(),
});

const sweepRequest = z.strictObject({ now: z.iso.datetime().optional() });

export interface LocalRoutesOptions {
  deps: UseCaseDependencies;
  issuer: LocalIssuer;
  clients: readonly LocalClient[];
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
      let body: unknown = {};
      if (typeof request.body === 'string' && request.body.trim() !== '') {
        try {
          body = JSON.parse(request.body);
        } catch {
          body = null;
        }
      }
      const parsed = sweepRequest.safeParse(body);
      if (!parsed.success) {
        return reply.status(400).send({
          error: {
            code: 'VALIDATION_FAILED',
            message: 'Give {"now": "<ISO time>"} or nothing',
            reasons: [],
            requestId: '',
          },
        });
      }
      const now = parsed.data.now ? new Date(parsed.data.now) : new Date();
      return reply.send({ now: now.toISOString(), ...(await runSweep(now)) });
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
