/**
 * Two "regions" of a global table, simulated over two tables of DynamoDB Local: each region writes its
 * own table; `replicate()` then does what global tables do, item by item: the last writer wins, and its
 * whole item lands in every region.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  adminSk,
  issuedSk,
  lockoutSk,
  offlineSk,
  SK,
  tokenPk,
  userPk,
} from '../../../shared/adapters/dynamodb/keys';
import type { TokenStore } from '../../../shared/ports/token-store';
import type { TestTable } from '../../support/table';

export interface Region {
  name: string;
  table: TestTable;
}

type Key = { pk: string; sk: string };

/** The item each replicated write lands on. Audit events are new items in the region that wrote them. */
const KEY_OF: Partial<Record<keyof TokenStore, (entity: never) => Key>> = {
  saveToken: (e: { serial: string }) => ({ pk: tokenPk(e.serial), sk: SK.token }),
  saveIssuedCode: (e: { serial: string; generation: number }) => ({
    pk: tokenPk(e.serial),
    sk: issuedSk(e.generation),
  }),
  saveAdminSettings: (e: { serial: string; region: string }) => ({
    pk: tokenPk(e.serial),
    sk: adminSk(e.region),
  }),
  saveRegionalCounters: (e: { serial: string; region: string }) => ({
    pk: tokenPk(e.serial),
    sk: lockoutSk(e.region),
  }),
  saveOfflineAuthentication: (e: { userId: string; agentId: string; region: string }) => ({
    pk: userPk(e.userId),
    sk: offlineSk(e.agentId, e.region),
  }),
};

export class SimulatedGlobalTable {
  private clock = 0;
  /** The last write to each item, in the order the writes were committed. */
  private readonly lastWrites = new Map<string, { region: Region; key: Key; at: number }>();

  constructor(readonly regions: readonly Region[]) {}

  /** The region's store, noting when each replicated write commits. */
  storeOf(region: Region): TokenStore {
    return new Proxy(region.table.store, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown;
        const keyOf = KEY_OF[property as keyof TokenStore];
        if (typeof value !== 'function' || keyOf === undefined) return value;
        return async (entity: never) => {
          const saved = await (value as (e: never) => Promise<unknown>).call(target, entity);
          const key = keyOf(entity);
          this.lastWrites.set(`${key.pk}|${key.sk}`, { region, key, at: ++this.clock });
          return saved;
        };
      },
    });
  }

  /** Replicates every item written since the last call: the last writer's item everywhere. */
  async replicate(): Promise<void> {
    for (const { region, key } of this.lastWrites.values()) {
      const Key = { pk: { S: key.pk }, sk: { S: key.sk } };
      const { Item } = await region.table.client.send(
        new GetItemCommand({ TableName: region.table.tableName, Key, ConsistentRead: true }),
      );
      for (const other of this.regions) {
        if (other === region) continue;
        const TableName = other.table.tableName;
        if (Item === undefined) await other.table.client.send(new DeleteItemCommand({ TableName, Key }));
        else await other.table.client.send(new PutItemCommand({ TableName, Item }));
      }
    }
    this.lastWrites.clear();
  }
}
