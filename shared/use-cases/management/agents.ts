import { NotFoundError } from '../../domain/errors';
import type { Agent } from '../../domain/model';
import type { ExpectedVersion } from '../../domain/version';
import type { Page, PageRequest } from '../../ports/token-store';
import type { AdminActor, UseCaseDependencies } from '../context';
import { invalidCursor, PageCursors } from '../page-cursors';
import { checkExpectedVersion, requireAllDomains, stored, withoutVersion, type Stored } from './stored';

/** Authentication agents; managed by all-domains administrators only. */
export type AgentView = Omit<Agent, 'version'>;

export interface AgentInput {
  name: string;
  supportsOfflineAuthentication: boolean;
}

export async function listAgents(
  deps: UseCaseDependencies,
  actor: AdminActor,
  page: PageRequest,
): Promise<Page<AgentView>> {
  requireAllDomains(actor, 'Managing agents');
  const cursors = new PageCursors(deps.sealer, deps.clock);
  const scope = { operation: 'listAgents', actor, query: {} };
  const position = await cursors.open(scope, page.cursor);
  if (position !== null && typeof position !== 'string') throw invalidCursor();
  const result = await deps.store.listAgents({ limit: page.limit, cursor: position });
  return {
    items: result.items.map((a) => withoutVersion(a)),
    cursor: await cursors.seal(scope, result.cursor),
  };
}

export async function getAgent(
  deps: UseCaseDependencies,
  actor: AdminActor,
  agentId: string,
): Promise<Stored<AgentView>> {
  requireAllDomains(actor, 'Managing agents');
  const agent = await deps.store.getAgent(agentId);
  if (agent === null) throw new NotFoundError('No such agent');
  return stored(agent);
}

export async function putAgent(
  deps: UseCaseDependencies,
  actor: AdminActor,
  agentId: string,
  input: AgentInput,
  expected: ExpectedVersion | undefined,
): Promise<Stored<AgentView>> {
  requireAllDomains(actor, 'Managing agents');
  const existing = await deps.store.getAgent(agentId);
  checkExpectedVersion(existing, expected, true);
  const saved = await deps.store.saveAgent({
    agentId,
    name: input.name,
    supportsOfflineAuthentication: input.supportsOfflineAuthentication,
    version: existing?.version ?? 0,
  });
  return stored(saved, existing === null);
}
