import type { ItemVersion } from '../domain/replication';

/**
 * Each region's copy of a token's regionally written items (domain/replication.ts), read from that
 * region's own table: in AWS the global table's replica in the region, with a client of its own made once
 * per process. No secret is read: versions and change times only.
 */
export interface ReplicaReader {
  /** Every region of the deployment, in the configuration's order, this one among them. */
  readonly regions: readonly string[];
  /**
   * `region`'s copy of the items that region `writer` writes alone for the token (strongly consistent in
   * that region). Throws DependencyUnavailableError when that region's table does not answer.
   */
  regionalItems(region: string, serial: string, writer: string): Promise<ItemVersion[]>;
}
