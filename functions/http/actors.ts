import type { AdminActor } from '../../shared/use-cases/context';
import type { RouteRequest } from './http-handler';

export function adminActorOf(request: Pick<RouteRequest, 'caller' | 'requestId'>): AdminActor {
  const { id, via, domains } = request.caller;
  return { id, ...(via === undefined ? {} : { via }), domains, requestId: request.requestId };
}
