/**
 * The regions' copies of a token's regionally written items, one table per region: in AWS the same global
 * table's replica in each region (a DynamoDB client per region, made once per process); locally each
 * region's own table. Two GetItems per region, naming only PROJECTION.replication (no secret).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError, isAppError } from '../../domain/errors';
import { settingsChangedAt, type ItemVersion } from '../../domain/replication';
import type { ReplicaReader } from '../../ports/replica-reader';
import { adminSk, lockoutSk, PROJECTION, tokenPk } from './keys';
import { projectionOf, TableAccess, type Item } from './table-access';
import { KEY } from './table-schema';

export interface RegionTable {
  region: string;
  client: DynamoDBClient;
  tableName: string;
}

const PROJECTED = projectionOf(PROJECTION.replication);

export class DynamoDbReplicaReader implements ReplicaReader {
  readonly regions: readonly string[];
  private readonly tables: ReadonlyMap<string, TableAccess>;

  constructor(tables: readonly RegionTable[]) {
    this.regions = tables.map((t) => t.region);
    this.tables = new Map(tables.map((t) => [t.region, new TableAccess(t.client, t.tableName)]));
  }

  async regionalItems(region: string, serial: string, writer: string): Promise<ItemVersion[]> {
    const table = this.tables.get(region);
    if (table === undefined) throw new DependencyUnavailableError(`the table of ${region}`);
    const read = async (sk: string): Promise<Item | null> => {
      const reply = await table.call(() =>
        table.documents.send(
          new GetCommand({
            TableName: table.tableName,
            Key: { [KEY.partition]: tokenPk(serial), [KEY.sort]: sk },
            ConsistentRead: true,
            ...PROJECTED,
          }),
        ),
      );
      return reply.Item ?? null;
    };
    let settings: Item | null;
    let lockout: Item | null;
    try {
      [settings, lockout] = await Promise.all([read(adminSk(writer)), read(lockoutSk(writer))]);
    } catch (error) {
      // Whatever stops a region's replica from answering (an outage, a replica not there yet) reads as
      // "not answering": the page then shows that region unreachable.
      if (isAppError(error)) throw error;
      throw new DependencyUnavailableError(`the table of ${region}`, { cause: error });
    }
    const versionOf = (item: Item | null) => (typeof item?.version === 'number' ? item.version : 0);
    return [
      {
        item: 'administrators-settings',
        version: versionOf(settings),
        changedAt: settings === null ? null : settingsChangedAt(settings),
      },
      { item: 'lockout', version: versionOf(lockout), changedAt: null },
    ];
  }
}
