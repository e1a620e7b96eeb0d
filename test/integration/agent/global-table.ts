/**
 * Regions of a global table for tests that decide when replication happens: the local replicator
 * (last writer wins per item, as global tables do) between the regions' tables, held until `replicate()`
 * lets through everything written since, and held again.
 */
import { Replicator } from '../../../local/replicator';
import type { TestTable } from '../../support/table';

export interface Region {
  name: string;
  table: TestTable;
}

export class SimulatedGlobalTable {
  private constructor(private readonly replicator: Replicator) {}

  /** Replicates only what is written after this call. */
  static async start(regions: readonly Region[]): Promise<SimulatedGlobalTable> {
    const replicator = await Replicator.start({
      regions: regions.map((r) => ({ name: r.name, client: r.table.client, tableName: r.table.tableName })),
      delayMs: 0,
      pollIntervalMs: 20,
    });
    replicator.hold();
    return new SimulatedGlobalTable(replicator);
  }

  /** Every item written since the last call lands everywhere, the last writer's winning. */
  async replicate(): Promise<void> {
    this.replicator.release();
    await this.replicator.settle();
    this.replicator.hold();
  }

  stop(): Promise<void> {
    return this.replicator.stop();
  }
}
