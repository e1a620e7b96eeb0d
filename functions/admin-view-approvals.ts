import type { UseCaseDependencies } from '../shared/use-cases/context';
import {
  cancelViewRequest,
  decideViewRequest,
  getViewRequest,
  listPendingViewRequests,
  requestView,
} from '../shared/use-cases/view-approvals';
import {
  approveViewRequestRoute,
  cancelViewRequestRoute,
  denyViewRequestRoute,
  getViewRequestRoute,
  listViewRequestsRoute,
  requestViewRoute,
} from './api/view-approval-routes';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler } from './http/http-handler';
import { created, ok } from './http/responses';

type Serial = { serial: string };
type RequestParams = Serial & { requestId: string };
type PageQuery = { limit?: number; cursor?: string };

export const createHandler = (deps: UseCaseDependencies) =>
  httpHandler([
    bind<Serial, unknown, { reason: string; ticket?: string }>(requestViewRoute, async (request) =>
      created(await requestView(deps, adminActorOf(request), request.params.serial, request.body)),
    ),
    bind<unknown, PageQuery, unknown>(listViewRequestsRoute, async (request) => {
      const page = await listPendingViewRequests(deps, adminActorOf(request), {
        limit: request.query.limit ?? 25,
        cursor: request.query.cursor,
      });
      return ok({ items: page.items, nextCursor: page.cursor });
    }),
    bind<RequestParams, unknown, unknown>(getViewRequestRoute, async (request) =>
      ok(await getViewRequest(deps, adminActorOf(request), request.params.serial, request.params.requestId)),
    ),
    bind<RequestParams, unknown, unknown>(cancelViewRequestRoute, async (request) =>
      ok(
        await cancelViewRequest(deps, adminActorOf(request), request.params.serial, request.params.requestId),
      ),
    ),
    ...(
      [
        [approveViewRequestRoute, 'approve'],
        [denyViewRequestRoute, 'deny'],
      ] as const
    ).map(([route, decision]) =>
      bind<RequestParams, unknown, unknown>(route, async (request) =>
        ok(
          await decideViewRequest(
            deps,
            adminActorOf(request),
            request.params.serial,
            request.params.requestId,
            decision,
          ),
        ),
      ),
    ),
  ]);

export const handler = createHandler(productionDependencies());
