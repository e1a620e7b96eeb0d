import { DependencyUnavailableError } from '../domain/errors';
import { settingsChangedAt, type ItemVersion } from '../domain/replication';
import type { ReplicaReader } from '../ports/replica-reader';
import type { TokenStore } from '../ports/token-store';

/**
 * The regions' copies read through one token store per region: the in-memory stores of the use-case tests,
 * and a function's own store alone when it is given no reader of the regions (a deployment of one region).
 */
export class StoreReplicaReader implements ReplicaReader {
  readonly regions: readonly string[];

  constructor(private readonly stores: ReadonlyMap<string, TokenStore>) {
    this.regions = [...stores.keys()];
  }

  async regionalItems(region: string, serial: string, writer: string): Promise<ItemVersion[]> {
    const store = this.stores.get(region);
    if (store === undefined) throw new DependencyUnavailableError(`the table of ${region}`);
    const state = await store.getTokenState(serial);
    const admin = state?.items.admin.find((a) => a.region === writer);
    const counters = state?.items.counters.find((c) => c.region === writer);
    return [
      {
        item: 'administrators-settings',
        version: admin?.version ?? 0,
        changedAt:
          admin === undefined
            ? null
            : // As the tables are read: without the PIN register (dynamodb-replica-reader.ts).
              settingsChangedAt({
                registers: { enabled: admin.registers.enabled, onlineUse: admin.registers.onlineUse },
                reset: admin.reset,
              }),
      },
      { item: 'lockout', version: counters?.version ?? 0, changedAt: null },
    ];
  }
}
