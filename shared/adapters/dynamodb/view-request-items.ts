import type { OutboxEvent } from '../../domain/model';
import type { ViewRequest } from '../../domain/view-request';
import type { Page, PageRequest } from '../../ports/token-store';
import { PENDING_VIEW_REQUESTS, tokenPk, viewRequestSk } from './keys';
import { entityOf, type TableAccess } from './table-access';
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

/** Dual control's view requests: one item each in the token's partition. */
export class ViewRequestItems {
  constructor(private readonly table: TableAccess) {}

  getViewRequest(serial: string, id: string): Promise<ViewRequest | null> {
    return this.table.getEntity<ViewRequest>(tokenPk(serial), viewRequestSk(id));
  }

  saveViewRequest(request: ViewRequest, audit: readonly OutboxEvent[] = []): Promise<ViewRequest> {
    return this.table.saveVersioned(
      tokenPk(request.serial),
      viewRequestSk(request.id),
      request,
      viewRequestKeys(request),
      audit,
    );
  }

  async listPendingViewRequests(now: string, page: PageRequest): Promise<Page<ViewRequest>> {
    const result = await this.table.queryPage(
      {
        index: INDEX.byType,
        partition: { name: INDEX.byType.partitionKey, value: PENDING_VIEW_REQUESTS },
        sortCondition: { expression: '#sk > :now', values: { ':now': now } },
      },
      page,
    );
    return { items: result.items.map((item) => entityOf<ViewRequest>(item)), cursor: result.cursor };
  }
}
