import { ValidationError } from '../../domain/errors';
import type { OfflinePolicy, PinPolicy, SecurityDomain } from '../../domain/model';
import { DEFAULT_PIN_POLICY, pinPolicyProblems } from '../../domain/pin-policy';
import { DEFAULT_OFFLINE_POLICY, offlinePolicyProblems } from '../../domain/policy';
import { DEFAULT_VIEW_POLICY, viewPolicyProblems, type ViewPolicy } from '../../domain/view-policy';
import type { ExpectedVersion } from '../../domain/version';
import type { Page, PageRequest } from '../../ports/token-store';
import type { AdminActor, UseCaseDependencies } from '../context';
import { invalidCursor, PageCursors } from '../page-cursors';
import {
  checkExpectedVersion,
  requireAllDomains,
  requireVisibleDomain,
  stored,
  withoutVersion,
  type Stored,
} from './stored';

/** Security domains and their offline and PIN policies; changed by all-domains administrators only. */

export type SecurityDomainView = Omit<SecurityDomain, 'version'>;

/**
 * The domains the administrator may see. An administrator of some domains pages through those alone
 * (read by id), so nothing of the others shows, not even whether there are more; one of all domains pages
 * through the domain listing. Cursors are sealed (page-cursors.ts).
 */
export async function listSecurityDomains(
  deps: UseCaseDependencies,
  actor: AdminActor,
  page: PageRequest,
): Promise<Page<SecurityDomainView>> {
  const cursors = new PageCursors(deps.sealer, deps.clock);
  const scope = { operation: 'listSecurityDomains', actor, query: {} };
  const position = await cursors.open(scope, page.cursor);
  if (actor.domains === '*') {
    if (position !== null && typeof position !== 'string') throw invalidCursor();
    const result = await deps.store.listSecurityDomains({ limit: page.limit, cursor: position });
    return {
      items: result.items.map((d) => withoutVersion(d)),
      cursor: await cursors.seal(scope, result.cursor),
    };
  }
  const offset = position ?? 0;
  if (typeof offset !== 'number' || !Number.isInteger(offset)) throw invalidCursor();
  const ids = [...new Set(actor.domains)].sort();
  const found = await Promise.all(ids.map((id) => deps.store.getSecurityDomain(id)));
  const visible = found.filter((d): d is SecurityDomain => d !== null);
  const next = visible.length > offset + page.limit ? offset + page.limit : null;
  return {
    items: visible.slice(offset, offset + page.limit).map((d) => withoutVersion(d)),
    cursor: await cursors.seal(scope, next),
  };
}

export async function getSecurityDomain(
  deps: UseCaseDependencies,
  actor: AdminActor,
  id: string,
): Promise<Stored<SecurityDomainView>> {
  return stored(await requireVisibleDomain(deps, actor, id));
}

export interface SecurityDomainInput {
  name: string;
  /** Omitted fields take DEFAULT_OFFLINE_POLICY's values: a PUT states the whole policy or its defaults. */
  offlinePolicy?: Partial<OfflinePolicy>;
  /** Likewise DEFAULT_PIN_POLICY's: six digits at least unless stated. */
  pinPolicy?: Partial<PinPolicy>;
  /** Likewise DEFAULT_VIEW_POLICY's: no reason asked, no dual control unless stated. */
  viewPolicy?: Partial<ViewPolicy>;
}

export async function putSecurityDomain(
  deps: UseCaseDependencies,
  actor: AdminActor,
  id: string,
  input: SecurityDomainInput,
  expected: ExpectedVersion | undefined,
): Promise<Stored<SecurityDomainView>> {
  requireAllDomains(actor, 'Changing security domains');
  const offlinePolicy: OfflinePolicy = { ...DEFAULT_OFFLINE_POLICY, ...input.offlinePolicy };
  const pinPolicy: PinPolicy = { ...DEFAULT_PIN_POLICY, ...input.pinPolicy };
  const viewPolicy: ViewPolicy = { ...DEFAULT_VIEW_POLICY, ...input.viewPolicy };
  const problems = [
    ...viewPolicyProblems(viewPolicy).map((p) => `body.viewPolicy: ${p}`),
    ...offlinePolicyProblems(offlinePolicy, deps.policyCaps).map((p) => `body.offlinePolicy: ${p}`),
    ...pinPolicyProblems(pinPolicy).map((p) => `body.pinPolicy: ${p}`),
  ];
  if (problems.length > 0)
    throw new ValidationError('The security domain policy is not acceptable', problems);
  const existing = await deps.store.getSecurityDomain(id);
  checkExpectedVersion(existing, expected, true);
  const saved = await deps.store.saveSecurityDomain({
    id,
    name: input.name,
    offlinePolicy,
    pinPolicy,
    viewPolicy,
    version: existing?.version ?? 0,
  });
  return stored(saved, existing === null);
}
