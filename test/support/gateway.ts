/**
 * The local gateway (the deployed JWT authorizer's rules) in front of the functions of a test system,
 * with the local token issuer, listening on a free loopback port: signature, issuer,
 * audience, expiry and scope checked before a function sees them. `forge` signs any claims with the
 * issuer's own key (for expired tokens, other audiences, odd claims).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { ALL_ROUTES } from '../../functions/api/contract/routes';
import { routeHandlersOf } from '../../functions/registry';
import { LOCAL_CLIENTS, LOCAL_USERS } from '../../local/clients';
import { createGateway } from '../../local/gateway';
import { createLocalIssuer, LOCAL_AUDIENCE, type LocalIssuer } from '../../local/jwt';
import { localRoutes } from '../../local/local-routes';
import type { TestSystem } from './system';

export const ISSUER = 'http://127.0.0.1:3000/local';

export interface TestGateway {
  app: FastifyInstance;
  /** Where it listens: `http://127.0.0.1:<port>`. */
  url: string;
  issuer: LocalIssuer;
  /** A client-credentials token of a demo client. */
  clientToken(clientId: string): Promise<string>;
  /** A demo administrator's user token (console client). */
  userToken(username: string): Promise<string>;
  /** Any claims, signed with the issuer's key; `iss`, `aud`, `exp` and `sub` default to valid ones. */
  forge(claims: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

export async function startTestGateway(system: TestSystem, deps = system.deps): Promise<TestGateway> {
  const keyFile = join(system.env.LOCAL_KEY_FILE!, '..', 'jwt-signing-key.json');
  const issuer = await createLocalIssuer(keyFile, ISSUER);
  Object.assign(process.env, system.env);
  // The deployed modules, configured from env.
  const handlerOf = routeHandlersOf(deps);
  const local = localRoutes({ deps, issuer, clients: LOCAL_CLIENTS, users: LOCAL_USERS });
  const app = createGateway({
    regionName: system.deps.regionName,
    routes: ALL_ROUTES,
    handlerOf,
    issuer,
    extend: local.register,
  });
  // Over a real socket (fastify's inject needs an ES module jest cannot load).
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  const jwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
  const privateKey = await importJWK(jwk, 'ES256');
  return {
    app,
    url,
    issuer,
    clientToken: async (clientId) =>
      (await issuer.issue(LOCAL_CLIENTS.find((c) => c.clientId === clientId)!)).access_token,
    userToken: async (username) =>
      (await issuer.issueForUser(LOCAL_USERS.find((u) => u.username === username)!)).access_token,
    forge: (claims) =>
      new SignJWT({ sub: 'forged', ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
        .setIssuer(typeof claims.iss === 'string' ? claims.iss : ISSUER)
        .setAudience(claims.aud ?? LOCAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(typeof claims.exp === 'number' ? claims.exp : '1h')
        .sign(privateKey),
    close: () => app.close(),
  };
}
