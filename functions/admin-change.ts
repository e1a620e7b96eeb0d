import type { UseCaseDependencies } from '../shared/use-cases/context';
import { changeEmergencyAccess, type EmergencyAccessChange } from '../shared/use-cases/emergency-access';
import {
  resetEmergencyAccessRoute,
  saveEmergencyAccessRoute,
  setOnlineUseRoute,
} from './api/contract/admin-routes';
import { etagOf } from './api/contract/etag';
import { emergencyAccessPageOf } from './api/views';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler, type RouteRequest } from './http/http-handler';
import { ok } from './http/responses';

export const createHandler = (deps: UseCaseDependencies) => {
  const change = async (
    request: Pick<RouteRequest, 'caller' | 'requestId' | 'expectedVersion'> & { params: { serial: string } },
    wanted: EmergencyAccessChange,
  ) => {
    const result = await changeEmergencyAccess(
      deps,
      adminActorOf(request),
      request.params.serial,
      wanted,
      request.expectedVersion,
    );
    return ok(emergencyAccessPageOf(result), { etag: etagOf(result.version) });
  };
  return httpHandler([
    bind(saveEmergencyAccessRoute, (request) => change(request, request.body)),
    bind(resetEmergencyAccessRoute, (request) => change(request, { resetOffline: true })),
    bind(setOnlineUseRoute, (request) => change(request, { onlineUseAllowed: request.body.allowed })),
  ]);
};

export const handler = createHandler(productionDependencies());
