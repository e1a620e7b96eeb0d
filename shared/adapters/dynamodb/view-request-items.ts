import type { ViewRequest } from '../../domain/view-request';
import { PENDING_VIEW_REQUESTS } from './keys';
import { INDEX, TTL_ATTRIBUTE } from './table-schema';

/** Kept a week past its last deadline (its story is in the audit trail), then TTL removes it. */
const KEEP_SECONDS = 7 * 86_400;

/**
 * The storage attributes of a view request's item: the type index's keys while it is pending (so the
 * pending list is one Query of live requests, soonest deadline first), and its TTL.
 */
export function viewRequestKeys(request: ViewRequest): Record<string, unknown> {
  const lastDeadline = Math.max(
    Date.parse(request.approveBy),
    Date.parse(request.viewBy ?? request.approveBy),
  );
  return {
    [TTL_ATTRIBUTE]: Math.floor(lastDeadline / 1000) + KEEP_SECONDS,
    ...(request.status === 'pending'
      ? {
          [INDEX.byType.partitionKey]: PENDING_VIEW_REQUESTS,
          [INDEX.byType.sortKey]: `${request.approveBy}#${request.serial}#${request.id}`,
        }
      : {}),
  };
}
