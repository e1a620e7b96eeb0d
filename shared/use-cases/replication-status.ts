import { isAppError, NotFoundError } from '../domain/errors';
import { replicationView, type RegionCopy, type ReplicationView } from '../domain/replication';
import type { ReplicaReader } from '../ports/replica-reader';
import { canSeeDomain, type AdminActor, type UseCaseDependencies } from './context';

/**
 * The regions' view of a change (`GET /v1/tokens/{serial}/replication`): for each region, whether its copy
 * of the items this region wrote for the token (its administrators' settings and lockout item) is at this
 * region's version yet. Visible as the token is (404 outside the administrator's domains, as for a token
 * that does not exist). This region's copy is read first; the others in parallel, and a region whose table
 * does not answer is shown as unreachable rather than failing the page.
 */
export async function replicationStatus(
  deps: UseCaseDependencies & { replicas: ReplicaReader },
  actor: Pick<AdminActor, 'domains'>,
  serial: string,
): Promise<ReplicationView> {
  const domain = await deps.store.getTokenDomain(serial);
  if (domain === null || !canSeeDomain(actor, domain)) throw new NotFoundError('No such token');
  const here = deps.regionName;
  const written = await deps.replicas.regionalItems(here, serial, here);
  const copies = await Promise.all(
    deps.replicas.regions.map(async (region): Promise<RegionCopy> => {
      if (region === here) return { region, items: written };
      try {
        return { region, items: await deps.replicas.regionalItems(region, serial, here) };
      } catch (error) {
        if (isAppError(error) && error.code === 'DEPENDENCY_UNAVAILABLE') return { region, items: null };
        throw error;
      }
    }),
  );
  return replicationView({ serial, writtenIn: here, written, copies, checkedAt: deps.clock() });
}
