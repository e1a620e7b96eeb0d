/**
 * Regions of a global table, simulated over tables of DynamoDB Local: each region writes its own table
 * through its own client; `replicate()` then does what global tables do, item by item: the last writer
 * wins, and its whole item (or its deletion) lands in every region. Writes are noted at the client, so
 * the simulation knows nothing of the store's item layout.
 */
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DynamoDbTokenStore } from '../../../shared/adapters/dynamodb/dynamodb-token-store';
import { localDynamoDbClient, type TestTable } from '../../support/table';

export interface Region {
  name: string;
  table: TestTable;
}

type Key = Record<string, AttributeValue>;

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

export class SimulatedGlobalTable {
  private clock = 0;
  /** The last write to each item, in the order the writes were committed. */
  private readonly lastWrites = new Map<string, { region: Region; key: Key; at: number }>();
  private readonly clients = new Map<Region, DynamoDBClient>();

  constructor(readonly regions: readonly Region[]) {
    for (const region of regions) this.clients.set(region, this.recordingClient(region));
  }

  /** A store over the region's table whose writes are noted for replication. */
  storeOf(region: Region): DynamoDbTokenStore {
    return new DynamoDbTokenStore(this.clients.get(region)!, { tableName: region.table.tableName });
  }

  private recordingClient(region: Region): DynamoDBClient {
    const client = localDynamoDbClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (WRITES.has(context.commandName ?? '')) {
          // The document client's commands may not be marshalled yet at this step.
          const input = args.input as { Key?: Record<string, unknown>; Item?: Record<string, unknown> };
          const { pk, sk } = (input.Key ?? input.Item)!;
          const attribute = (v: unknown) => (typeof v === 'string' ? { S: v } : (v as AttributeValue));
          const key: Key = { pk: attribute(pk), sk: attribute(sk) };
          this.lastWrites.set(`${key.pk!.S}|${key.sk!.S}`, { region, key, at: ++this.clock });
        }
        return result;
      },
      { step: 'initialize', name: 'recordWrites' },
    );
    return client;
  }

  /** Replicates every item written since the last call: the last writer's item (or its absence) everywhere. */
  async replicate(): Promise<void> {
    for (const { region, key } of this.lastWrites.values()) {
      const { Item } = await region.table.client.send(
        new GetItemCommand({ TableName: region.table.tableName, Key: key, ConsistentRead: true }),
      );
      for (const other of this.regions) {
        if (other === region) continue;
        const TableName = other.table.tableName;
        if (Item === undefined) await other.table.client.send(new DeleteItemCommand({ TableName, Key: key }));
        else await other.table.client.send(new PutItemCommand({ TableName, Item }));
      }
    }
    this.lastWrites.clear();
  }
}
