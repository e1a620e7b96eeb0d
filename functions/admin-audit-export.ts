import type { UseCaseDependencies } from '../shared/use-cases/context';
import { exportAuditChain } from '../shared/use-cases/audit-chain';
import { exportAuditChainRoute } from './api/contract/audit-export-routes';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler } from './http/http-handler';
import { ok } from './http/responses';

/** The signed export of a token's audit chains: the only function that may use the audit signing key. */
export const createHandler = (deps: UseCaseDependencies) =>
  httpHandler([
    bind(exportAuditChainRoute, async (request) =>
      ok(await exportAuditChain(deps, adminActorOf(request), request.params.serial)),
    ),
  ]);

export const handler = createHandler(productionDependencies());
