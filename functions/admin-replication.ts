import { StoreReplicaReader } from '../shared/adapters/store-replica-reader';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { replicationStatus } from '../shared/use-cases/replication-status';
import { replicationStatusRoute } from './api/contract/replication-routes';
import { loadConfig } from './config';
import { productionDependencies } from './dependencies';
import { adminActorOf } from './http/actors';
import { bind, httpHandler } from './http/http-handler';
import { ok } from './http/responses';
import { replicaReaderFrom } from './replication-config';

/** The regions' view of a change: reads each region's table, versions and times only (issue 17). */
export const createHandler = (deps: UseCaseDependencies) =>
  httpHandler([
    bind(replicationStatusRoute, async (request) => {
      // Without a reader of the regions (the tests' and the gateway's dependencies): this region alone.
      const replicas = deps.replicas ?? new StoreReplicaReader(new Map([[deps.regionName, deps.store]]));
      return ok(await replicationStatus({ ...deps, replicas }, adminActorOf(request), request.params.serial));
    }),
  ]);

export const handler = createHandler({
  ...productionDependencies(),
  replicas: replicaReaderFrom(loadConfig()),
});
