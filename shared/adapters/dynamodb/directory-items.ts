import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { Agent, OfflineAuthentication, SecurityDomain, User } from '../../domain/model';
import type { Page, PageRequest } from '../../ports/token-store';
import {
  PROJECTION,
  SK,
  agentPk,
  domainPk,
  downloadExpiryBucket,
  expiryDayOf,
  expirySortKey,
  offlineSk,
  userPk,
} from './keys';
import { entityOf, type Item, type TableAccess } from './table-access';
import { INDEX, KEY } from './table-schema';

/** The directory's aggregates: security domains, users with their offline authentications, agents. */
export class DirectoryItems {
  constructor(private readonly table: TableAccess) {}

  getSecurityDomain(id: string): Promise<SecurityDomain | null> {
    return this.table.getEntity<SecurityDomain>(domainPk(id), SK.profile);
  }

  listSecurityDomains(page: PageRequest): Promise<Page<SecurityDomain>> {
    return this.listByType<SecurityDomain>('DOMAIN', page);
  }

  async listSecurityDomainIds(page: PageRequest): Promise<Page<string>> {
    const result = await this.table.queryPage(
      {
        index: INDEX.byType,
        partition: { name: INDEX.byType.partitionKey, value: 'DOMAIN' },
        projection: PROJECTION.domainIds,
      },
      page,
    );
    return { items: result.items.map((item) => item.id as string), cursor: result.cursor };
  }

  saveSecurityDomain(domain: SecurityDomain): Promise<SecurityDomain> {
    return this.table.saveVersioned(domainPk(domain.id), SK.profile, domain, {
      listType: 'DOMAIN',
      listKey: domain.id,
    });
  }

  getUser(userId: string): Promise<User | null> {
    return this.table.getEntity<User>(userPk(userId), SK.profile);
  }

  saveUser(user: User): Promise<User> {
    return this.table.saveVersioned(userPk(user.userId), SK.profile, user, {});
  }

  async listOfflineAuthentications(userId: string): Promise<OfflineAuthentication[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': KEY.partition, '#sk': KEY.sort },
      ExpressionAttributeValues: { ':pk': userPk(userId), ':prefix': SK.offlinePrefix },
      ConsistentRead: true,
    });
    return items.map((item) => entityOf<OfflineAuthentication>(item));
  }

  getOfflineAuthentication(
    userId: string,
    agentId: string,
    region: string,
  ): Promise<OfflineAuthentication | null> {
    return this.table.getEntity<OfflineAuthentication>(userPk(userId), offlineSk(agentId, region));
  }

  saveOfflineAuthentication(record: OfflineAuthentication): Promise<OfflineAuthentication> {
    const pk = userPk(record.userId);
    const sk = offlineSk(record.agentId, record.region);
    // A download is in the sparse expiry index until its region's sweep removes the record once it has run out.
    const expiryKeys: Item =
      record.download === null
        ? {}
        : {
            expiryDay: downloadExpiryBucket(record.region, expiryDayOf(record.download.validUntil)),
            expiryKey: expirySortKey(record.download.validUntil, `${pk}#${sk}`),
          };
    return this.table.saveVersioned(pk, sk, record, expiryKeys);
  }

  async deleteOfflineAuthentication(record: OfflineAuthentication): Promise<void> {
    await this.table.call(() =>
      this.table.documents.send(
        new DeleteCommand({
          TableName: this.table.tableName,
          Key: {
            [KEY.partition]: userPk(record.userId),
            [KEY.sort]: offlineSk(record.agentId, record.region),
          },
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': record.version },
        }),
      ),
    );
  }

  getAgent(agentId: string): Promise<Agent | null> {
    return this.table.getEntity<Agent>(agentPk(agentId), SK.profile);
  }

  listAgents(page: PageRequest): Promise<Page<Agent>> {
    return this.listByType<Agent>('AGENT', page);
  }

  saveAgent(agent: Agent): Promise<Agent> {
    return this.table.saveVersioned(agentPk(agent.agentId), SK.profile, agent, {
      listType: 'AGENT',
      listKey: agent.agentId,
    });
  }

  private async listByType<T>(type: 'DOMAIN' | 'AGENT', page: PageRequest): Promise<Page<T>> {
    const result = await this.table.queryPage(
      { index: INDEX.byType, partition: { name: INDEX.byType.partitionKey, value: type } },
      page,
    );
    return { items: result.items.map((item) => entityOf<T>(item)), cursor: result.cursor };
  }
}
