import { ThrottledError } from '../domain/errors';
import type { ClientBudget } from '../ports/client-budget';
import type { UseCaseDependencies } from './context';

/** The budget, required: a function that must limit its clients does not start without one. */
export function requireClientBudget(deps: UseCaseDependencies): ClientBudget {
  if (deps.clientBudget === undefined) throw new Error('The per-client request budget is not configured');
  return deps.clientBudget;
}

/** Spends one request of the client's budget, or refuses it (429 THROTTLED with Retry-After). */
export async function spendClientBudget(
  budget: ClientBudget,
  clock: () => Date,
  clientId: string,
): Promise<void> {
  const refusal = await budget.take(clientId, clock());
  if (refusal !== null) {
    throw new ThrottledError(
      'This client has used its request budget; retry after the Retry-After seconds',
      refusal.retryAfterSeconds,
    );
  }
}
