import type { ChainLink } from '../domain/audit-chain';

/**
 * Where a token's audit chain links are kept (one item per link, in the token's partition). `putLink`
 * is conditional on the position being free: a second writer at the same position gets a ConflictError
 * and must read the head again, so a chain never forks silently.
 */
export interface AuditChainStore {
  /** The region's newest links of the token, newest first (strongly consistent). */
  latestLinks(serial: string, region: string, limit: number): Promise<ChainLink[]>;
  putLink(link: ChainLink, retentionSeconds?: number): Promise<void>;
  /** Every link of the token, of every region, oldest first per region. */
  allLinks(serial: string): Promise<ChainLink[]>;
}
