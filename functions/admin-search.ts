import { getTokenDetails } from '../shared/use-cases/emergency-access';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { searchTokens, type TokenSearch } from '../shared/use-cases/search-tokens';
import { getTokenRoute, searchTokensRoute } from './api/admin-routes';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler } from './http/http-handler';
import { ok } from './http/responses';

export const createHandler = (deps: UseCaseDependencies) =>
  httpHandler([
    bind<unknown, Omit<TokenSearch, 'limit'> & { limit?: number }, unknown>(
      searchTokensRoute,
      async (request) => {
        const page = await searchTokens(deps, adminActorOf(request), {
          ...request.query,
          limit: request.query.limit ?? 25,
        });
        return ok({ items: page.items, nextCursor: page.cursor });
      },
    ),
    bind<{ serial: string }, unknown, unknown>(getTokenRoute, async (request) =>
      ok(await getTokenDetails(deps, adminActorOf(request), request.params.serial)),
    ),
  ]);

export const handler = createHandler(productionDependencies());
