import { getTokenDetails } from '../shared/use-cases/emergency-access';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { searchTokens } from '../shared/use-cases/search-tokens';
import { getTokenRoute, searchTokensRoute } from './api/contract/admin-routes';
import { tokenDetailsOf, tokenSummaryOf } from './api/views';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler } from './http/http-handler';
import { pageReplyOf, pageRequestOf } from './http/pages';
import { ok } from './http/responses';

export const createHandler = (deps: UseCaseDependencies) =>
  httpHandler([
    bind(searchTokensRoute, async (request) => {
      const page = await searchTokens(deps, adminActorOf(request), pageRequestOf(request.query));
      const now = deps.clock();
      return ok(pageReplyOf(page, (hit) => tokenSummaryOf(hit, now)));
    }),
    bind(getTokenRoute, async (request) => {
      const token = await getTokenDetails(deps, adminActorOf(request), request.params.serial);
      return ok(tokenDetailsOf(token, deps.clock()));
    }),
  ]);

export const handler = createHandler(productionDependencies());
