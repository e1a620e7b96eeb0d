import type { DueCode, Page, PageRequest, RunOutDownload } from '../../ports/token-store';
import {
  agentAndRegionOfSk,
  downloadExpiryBucket,
  dueSortKeyBound,
  timeOfExpirySortKey,
  userIdOfPk,
} from './keys';
import type { TableAccess } from './table-access';
import { INDEX, KEY } from './table-schema';

/** The sparse expiry index: active codes by expiry day, and each region's run-out downloads. */
export class ExpiryIndex {
  constructor(private readonly table: TableAccess) {}

  async findDueCodes(day: string, now: string, page: PageRequest): Promise<Page<DueCode>> {
    const result = await this.queryDue(day, now, page);
    return {
      items: result.items.map((item) => ({
        serial: item.serial as string,
        generation: item.generation as number,
        expiresAt: item.expiresAt as string,
      })),
      cursor: result.cursor,
    };
  }

  async findRunOutDownloads(
    region: string,
    day: string,
    now: string,
    page: PageRequest,
  ): Promise<Page<RunOutDownload>> {
    const result = await this.queryDue(downloadExpiryBucket(region, day), now, page);
    // The index projects none of a record's own attributes: the table's keys and the index's say it all.
    return {
      items: result.items.map((item) => ({
        userId: userIdOfPk(item[KEY.partition] as string),
        ...agentAndRegionOfSk(item[KEY.sort] as string),
        validUntil: timeOfExpirySortKey(item[INDEX.byExpiry.sortKey] as string),
      })),
      cursor: result.cursor,
    };
  }

  /** One page of an expiry index bucket, up to and including `now`, oldest first. */
  private queryDue(bucket: string, now: string, page: PageRequest) {
    return this.table.queryPage(
      {
        index: INDEX.byExpiry,
        partition: { name: INDEX.byExpiry.partitionKey, value: bucket },
        sortCondition: { expression: '#sk < :due', values: { ':due': dueSortKeyBound(now) } },
      },
      page,
    );
  }
}
