import { authenticate } from '../shared/use-cases/authenticate';
import { requireClientBudget, spendClientBudget } from '../shared/use-cases/client-budget';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { agentAuthenticateRoute } from './api/contract/agent-routes';
import { productionDependencies } from './dependencies';
import { bind, httpHandler } from './http/http-handler';
import { ok } from './http/responses';

export const createHandler = (deps: UseCaseDependencies) => {
  const budget = requireClientBudget(deps);
  return httpHandler([
    bind(agentAuthenticateRoute, async (request) => {
      await spendClientBudget(budget, deps.clock, request.caller.id);
      return ok(
        await authenticate(deps, { agentId: request.caller.id, requestId: request.requestId }, request.body),
      );
    }),
  ]);
};

export const handler = createHandler(productionDependencies());
