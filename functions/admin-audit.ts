import type { UseCaseDependencies } from '../shared/use-cases/context';
import { listAuditTrail } from '../shared/use-cases/audit';
import { auditTrailRoute } from './api/admin-routes';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler } from './http/http-handler';
import { ok } from './http/responses';

export const createHandler = (deps: UseCaseDependencies) =>
  httpHandler([
    bind<{ serial: string }, { limit?: number; cursor?: string }, unknown>(
      auditTrailRoute,
      async (request) => {
        const page = await listAuditTrail(deps, adminActorOf(request), request.params.serial, {
          limit: request.query.limit ?? 25,
          cursor: request.query.cursor,
        });
        return ok({ items: page.items, nextCursor: page.cursor });
      },
    ),
  ]);

export const handler = createHandler(productionDependencies());
