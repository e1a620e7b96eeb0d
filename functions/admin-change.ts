import type { UseCaseDependencies } from '../shared/use-cases/context';
import { changeEmergencyAccess, type EmergencyAccessChange } from '../shared/use-cases/emergency-access';
import { resetEmergencyAccessRoute, saveEmergencyAccessRoute, setOnlineUseRoute } from './api/admin-routes';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler, type RouteRequest } from './http/http-handler';
import { ok } from './http/responses';

export const createHandler = (deps: UseCaseDependencies) => {
  const change = async (
    request: RouteRequest<{ serial: string }, unknown, unknown>,
    wanted: EmergencyAccessChange,
  ) => {
    const { page, etag } = await changeEmergencyAccess(
      deps,
      adminActorOf(request),
      request.params.serial,
      wanted,
      request.ifMatch,
    );
    return ok(page, { etag });
  };
  return httpHandler([
    bind<{ serial: string }, unknown, EmergencyAccessChange>(saveEmergencyAccessRoute, (request) =>
      change(request, request.body),
    ),
    bind<{ serial: string }, unknown, unknown>(resetEmergencyAccessRoute, (request) =>
      change(request, { resetOffline: true }),
    ),
    bind<{ serial: string }, unknown, { allowed: boolean }>(setOnlineUseRoute, (request) =>
      change(request, { onlineUseAllowed: request.body.allowed }),
    ),
  ]);
};

export const handler = createHandler(productionDependencies());
