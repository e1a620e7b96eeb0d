import type { z } from 'zod/mini';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import {
  assignToken,
  clearPin,
  getAgent,
  getSecurityDomain,
  getUser,
  importToken,
  listAgents,
  listSecurityDomains,
  putAgent,
  putSecurityDomain,
  putUser,
  setPin,
  setTokenEnabled,
  unassignToken,
  type Stored,
} from '../shared/use-cases/management';
import { unlockToken } from '../shared/use-cases/unlock';
import {
  assignTokenRoute,
  clearPinRoute,
  getAgentRoute,
  getSecurityDomainRoute,
  getUserRoute,
  importTokenRoute,
  listAgentsRoute,
  listSecurityDomainsRoute,
  putAgentRoute,
  putSecurityDomainRoute,
  putUserRoute,
  setPinRoute,
  setTokenEnabledRoute,
  unassignTokenRoute,
  unlockTokenRoute,
} from './api/management-routes';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler } from './http/http-handler';
import { created, ok, type HttpReply } from './http/responses';

type In<S extends z.ZodMiniType> = z.output<S>;
type Serial = { serial: string };
type PageQuery = { limit?: number; cursor?: string };

const pageRequestOf = (query: PageQuery) => ({ limit: query.limit ?? 25, cursor: query.cursor });

/** 201 for what the call created, 200 otherwise; the ETag of the version stored. */
const replyOf = <T>(result: Stored<T>, location?: string): HttpReply =>
  result.created
    ? created(result.value, { etag: result.etag, ...(location ? { location } : {}) })
    : ok(result.value, { etag: result.etag });

export const createHandler = (deps: UseCaseDependencies) =>
  httpHandler([
    bind<unknown, PageQuery, unknown>(listSecurityDomainsRoute, async (request) => {
      const page = await listSecurityDomains(deps, adminActorOf(request), pageRequestOf(request.query));
      return ok({ items: page.items, nextCursor: page.cursor });
    }),
    bind<{ domainId: string }, unknown, unknown>(getSecurityDomainRoute, async (request) =>
      replyOf(await getSecurityDomain(deps, adminActorOf(request), request.params.domainId)),
    ),
    bind<{ domainId: string }, unknown, In<typeof putSecurityDomainRoute.body>>(
      putSecurityDomainRoute,
      async (request) =>
        replyOf(
          await putSecurityDomain(
            deps,
            adminActorOf(request),
            request.params.domainId,
            request.body,
            request.ifMatch,
          ),
        ),
    ),

    bind<{ userId: string }, unknown, unknown>(getUserRoute, async (request) =>
      replyOf(await getUser(deps, adminActorOf(request), request.params.userId)),
    ),
    bind<{ userId: string }, unknown, In<typeof putUserRoute.body>>(putUserRoute, async (request) =>
      replyOf(
        await putUser(deps, adminActorOf(request), request.params.userId, request.body, request.ifMatch),
      ),
    ),

    bind<unknown, unknown, In<typeof importTokenRoute.body>>(importTokenRoute, async (request) => {
      const result = await importToken(deps, adminActorOf(request), request.body);
      return replyOf(result, `/v1/tokens/${encodeURIComponent(request.body.serial)}`);
    }),
    bind<Serial, unknown, In<typeof assignTokenRoute.body>>(assignTokenRoute, async (request) =>
      replyOf(
        await assignToken(
          deps,
          adminActorOf(request),
          request.params.serial,
          request.body.userId,
          request.ifMatch,
        ),
      ),
    ),
    bind<Serial, unknown, unknown>(unassignTokenRoute, async (request) =>
      replyOf(await unassignToken(deps, adminActorOf(request), request.params.serial, request.ifMatch)),
    ),
    bind<Serial, unknown, In<typeof setTokenEnabledRoute.body>>(setTokenEnabledRoute, async (request) =>
      replyOf(
        await setTokenEnabled(
          deps,
          adminActorOf(request),
          request.params.serial,
          request.body.enabled,
          request.ifMatch,
        ),
      ),
    ),
    bind<Serial, unknown, In<typeof setPinRoute.body>>(setPinRoute, async (request) =>
      replyOf(
        await setPin(deps, adminActorOf(request), request.params.serial, request.body.pin, request.ifMatch),
      ),
    ),
    bind<Serial, unknown, unknown>(clearPinRoute, async (request) =>
      replyOf(await clearPin(deps, adminActorOf(request), request.params.serial, request.ifMatch)),
    ),
    bind<Serial, unknown, unknown>(unlockTokenRoute, async (request) =>
      ok(await unlockToken(deps, adminActorOf(request), request.params.serial)),
    ),

    bind<unknown, PageQuery, unknown>(listAgentsRoute, async (request) => {
      const page = await listAgents(deps, adminActorOf(request), pageRequestOf(request.query));
      return ok({ items: page.items, nextCursor: page.cursor });
    }),
    bind<{ agentId: string }, unknown, unknown>(getAgentRoute, async (request) =>
      replyOf(await getAgent(deps, adminActorOf(request), request.params.agentId)),
    ),
    bind<{ agentId: string }, unknown, In<typeof putAgentRoute.body>>(putAgentRoute, async (request) =>
      replyOf(
        await putAgent(deps, adminActorOf(request), request.params.agentId, request.body, request.ifMatch),
      ),
    ),
  ]);

export const handler = createHandler(productionDependencies());
