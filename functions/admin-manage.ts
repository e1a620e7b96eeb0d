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
  type ManagedToken,
  type Stored,
} from '../shared/use-cases/management';
import { unlockToken } from '../shared/use-cases/unlock';
import { etagOf } from './api/contract/etag';
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
} from './api/contract/management-routes';
import { pathOf } from './api/contract/route';
import { getTokenRoute } from './api/contract/admin-routes';
import { managedTokenOf, tokenDetailsOf } from './api/views';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler } from './http/http-handler';
import { pageReplyOf, pageRequestOf } from './http/pages';
import { created, ok, type HttpReply } from './http/responses';

/** 201 for what the call created, 200 otherwise; the ETag of the version stored. */
const replyOf = <T>(result: Stored<T>, location?: string): HttpReply<T> =>
  result.created
    ? created(result.value, { etag: etagOf(result.version), ...(location ? { location } : {}) })
    : ok(result.value, { etag: etagOf(result.version) });

export const createHandler = (deps: UseCaseDependencies) => {
  const tokenReplyOf = (result: Stored<ManagedToken>, location?: string) =>
    replyOf({ ...result, value: managedTokenOf(result.value, deps.clock()) }, location);
  return httpHandler([
    bind(listSecurityDomainsRoute, async (request) =>
      ok(pageReplyOf(await listSecurityDomains(deps, adminActorOf(request), pageRequestOf(request.query)))),
    ),
    bind(getSecurityDomainRoute, async (request) =>
      replyOf(await getSecurityDomain(deps, adminActorOf(request), request.params.domainId)),
    ),
    bind(putSecurityDomainRoute, async (request) =>
      replyOf(
        await putSecurityDomain(
          deps,
          adminActorOf(request),
          request.params.domainId,
          request.body,
          request.expectedVersion,
        ),
      ),
    ),

    bind(getUserRoute, async (request) =>
      replyOf(await getUser(deps, adminActorOf(request), request.params.userId)),
    ),
    bind(putUserRoute, async (request) =>
      replyOf(
        await putUser(
          deps,
          adminActorOf(request),
          request.params.userId,
          request.body,
          request.expectedVersion,
        ),
      ),
    ),

    bind(importTokenRoute, async (request) =>
      tokenReplyOf(
        await importToken(deps, adminActorOf(request), request.body),
        pathOf(getTokenRoute, { serial: request.body.serial }),
      ),
    ),
    bind(assignTokenRoute, async (request) =>
      tokenReplyOf(
        await assignToken(
          deps,
          adminActorOf(request),
          request.params.serial,
          request.body.userId,
          request.expectedVersion,
        ),
      ),
    ),
    bind(unassignTokenRoute, async (request) =>
      tokenReplyOf(
        await unassignToken(deps, adminActorOf(request), request.params.serial, request.expectedVersion),
      ),
    ),
    bind(setTokenEnabledRoute, async (request) =>
      tokenReplyOf(
        await setTokenEnabled(
          deps,
          adminActorOf(request),
          request.params.serial,
          request.body.enabled,
          request.expectedVersion,
        ),
      ),
    ),
    bind(setPinRoute, async (request) =>
      tokenReplyOf(
        await setPin(
          deps,
          adminActorOf(request),
          request.params.serial,
          request.body.pin,
          request.expectedVersion,
        ),
      ),
    ),
    bind(clearPinRoute, async (request) =>
      tokenReplyOf(
        await clearPin(deps, adminActorOf(request), request.params.serial, request.expectedVersion),
      ),
    ),
    bind(unlockTokenRoute, async (request) =>
      ok(tokenDetailsOf(await unlockToken(deps, adminActorOf(request), request.params.serial), deps.clock())),
    ),

    bind(listAgentsRoute, async (request) =>
      ok(pageReplyOf(await listAgents(deps, adminActorOf(request), pageRequestOf(request.query)))),
    ),
    bind(getAgentRoute, async (request) =>
      replyOf(await getAgent(deps, adminActorOf(request), request.params.agentId)),
    ),
    bind(putAgentRoute, async (request) =>
      replyOf(
        await putAgent(
          deps,
          adminActorOf(request),
          request.params.agentId,
          request.body,
          request.expectedVersion,
        ),
      ),
    ),
  ]);
};

export const handler = createHandler(productionDependencies());
