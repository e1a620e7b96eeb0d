import type { UseCaseDependencies } from '../shared/use-cases/context';
import { viewEmergencyAccess } from '../shared/use-cases/emergency-access';
import { viewEmergencyAccessRoute } from './api/contract/admin-routes';
import { etagOf } from './api/contract/etag';
import { emergencyAccessPageOf } from './api/views';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler } from './http/http-handler';
import { ok } from './http/responses';

export const createHandler = (deps: UseCaseDependencies) =>
  httpHandler([
    bind(viewEmergencyAccessRoute, async (request) => {
      const result = await viewEmergencyAccess(
        deps,
        adminActorOf(request),
        request.params.serial,
        request.query,
      );
      return ok(emergencyAccessPageOf(result), { etag: etagOf(result.version) });
    }),
  ]);

export const handler = createHandler(productionDependencies());
