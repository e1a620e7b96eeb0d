import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../domain/errors';
import type { AuditEvent, OutboxEvent } from '../../domain/model';
import type { Page, PageRequest } from '../../ports/token-store';
import { PROJECTION, SK, auditSk, tokenPk } from './keys';
import { entityOf, type TableAccess } from './table-access';
import { KEY, TTL_ATTRIBUTE } from './table-schema';

/** A token's audit events: items of its partition, one per event id, deleted by TTL after the retention. */
export class AuditItems {
  constructor(
    private readonly table: TableAccess,
    private readonly retentionSeconds: number,
  ) {}

  async appendAudit(event: OutboxEvent): Promise<void> {
    const { eventId, ...fields } = event;
    const expiresAt = Math.floor(Date.parse(event.at) / 1000) + this.retentionSeconds;
    try {
      await this.table.call(() =>
        this.table.documents.send(
          new PutCommand({
            TableName: this.table.tableName,
            Item: {
              ...fields,
              [KEY.partition]: tokenPk(event.serial),
              [KEY.sort]: auditSk(event.at, eventId),
              [TTL_ATTRIBUTE]: expiresAt,
            },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': KEY.partition },
          }),
        ),
      );
    } catch (error) {
      // The item of this event id exists: another writer of the same event (a retry, the materializer) was first.
      if (!(error instanceof ConflictError)) throw error;
    }
  }

  async listAudit(serial: string, page: PageRequest): Promise<Page<AuditEvent>> {
    const result = await this.table.queryPage<AuditEvent>(
      {
        partition: { name: KEY.partition, value: tokenPk(serial) },
        sortCondition: { expression: 'begins_with(#sk, :prefix)', values: { ':prefix': SK.auditPrefix } },
        newestFirst: true,
        projection: PROJECTION.auditEvents,
      },
      page,
    );
    return { items: result.items.map((item) => entityOf<AuditEvent>(item)), cursor: result.cursor };
  }
}
