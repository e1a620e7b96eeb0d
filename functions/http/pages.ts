import type { Page } from '../../shared/ports/token-store';
import { DEFAULT_PAGE_SIZE } from '../api/contract/schemas';

/** A page request from a validated page query: the contract's page size when `limit` is absent. */
export const pageRequestOf = <Q extends { limit?: number; cursor?: string }>(query: Q) => ({
  ...query,
  limit: query.limit ?? DEFAULT_PAGE_SIZE,
});

/** A page as the contract answers it, each item through its view. */
export const pageReplyOf = <T, V = T>(page: Page<T>, view?: (item: T) => V) => ({
  items: view === undefined ? (page.items as unknown as V[]) : page.items.map(view),
  nextCursor: page.cursor,
});
