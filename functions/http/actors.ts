import type { AdminActor } from '../../shared/use-cases/context';
import type { RouteRequest } from './http-handler';

export function adminActorOf(request: Pick<RouteRequest, 'caller' | 'requestId'>): AdminActor {
  return { id: request.caller.id, domains: request.caller.domains, requestId: request.requestId };
}
