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
} from './api/contract/view-approval-routes';
import { viewRequestViewOf } from './api/views';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler } from './http/http-handler';
import { pageReplyOf, pageRequestOf } from './http/pages';
import { created, ok } from './http/responses';

export const createHandler = (deps: UseCaseDependencies) =>
  httpHandler([
    bind(requestViewRoute, async (request) =>
      created(
        viewRequestViewOf(
          await requestView(deps, adminActorOf(request), request.params.serial, request.body),
        ),
      ),
    ),
    bind(listViewRequestsRoute, async (request) => {
      const page = await listPendingViewRequests(deps, adminActorOf(request), pageRequestOf(request.query));
      return ok(pageReplyOf(page, viewRequestViewOf));
    }),
    bind(getViewRequestRoute, async (request) => {
      const { serial, requestId } = request.params;
      return ok(viewRequestViewOf(await getViewRequest(deps, adminActorOf(request), serial, requestId)));
    }),
    bind(cancelViewRequestRoute, async (request) => {
      const { serial, requestId } = request.params;
      return ok(viewRequestViewOf(await cancelViewRequest(deps, adminActorOf(request), serial, requestId)));
    }),
    ...(
      [
        [approveViewRequestRoute, 'approve'],
        [denyViewRequestRoute, 'deny'],
      ] as const
    ).map(([route, decision]) =>
      bind(route, async (request) => {
        const { serial, requestId } = request.params;
        const seen = await decideViewRequest(deps, adminActorOf(request), serial, requestId, decision);
        return ok(viewRequestViewOf(seen));
      }),
    ),
  ]);

export const handler = createHandler(productionDependencies());
