import type { UseCaseDependencies } from '../shared/use-cases/context';
import { viewEmergencyAccess } from '../shared/use-cases/emergency-access';
import type { ViewAccess } from '../shared/use-cases/view-approvals';
import { viewEmergencyAccessRoute } from './api/admin-routes';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler } from './http/http-handler';
import { ok } from './http/responses';

export const createHandler = (deps: UseCaseDependencies) =>
  httpHandler([
    bind<{ serial: string }, ViewAccess, unknown>(viewEmergencyAccessRoute, async (request) => {
      const { page, etag } = await viewEmergencyAccess(
        deps,
        adminActorOf(request),
        request.params.serial,
        request.query,
      );
      return ok(page, { etag });
    }),
  ]);

export const handler = createHandler(productionDependencies());
