import type { UseCaseDependencies } from '../shared/use-cases/context';
import { listAuditTrail } from '../shared/use-cases/audit';
import { auditTrailRoute } from './api/contract/admin-routes';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler } from './http/http-handler';
import { pageReplyOf, pageRequestOf } from './http/pages';
import { ok } from './http/responses';

export const createHandler = (deps: UseCaseDependencies) =>
  httpHandler([
    bind(auditTrailRoute, async (request) => {
      const page = await listAuditTrail(
        deps,
        adminActorOf(request),
        request.params.serial,
        pageRequestOf(request.query),
      );
      return ok(pageReplyOf(page));
    }),
  ]);

export const handler = createHandler(productionDependencies());
