import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../../../../shared/domain/errors';
import type { TokenListing } from '../../../../../shared/ports/token-store';
import { aToken } from '../../../../support/fixtures';
import { createTestTable, type TestTable } from '../../../../support/table';
import { tokenStoreContract } from '../../../../support/token-store-contract';
import { backfillNameIndex } from '../../../../../scripts/backfill-name-index';

let table: TestTable;
/** The store contract on a table of its own; below, what only DynamoDB has (its keys, its indexes, the backfill). */
let contractTable: TestTable;
beforeAll(async () => {
  [table, contractTable] = await Promise.all([createTestTable(), createTestTable()]);
});
afterAll(async () => {
  for (const t of [table, contractTable]) {
    await t.drop();
    t.client.destroy();
  }
});

tokenStoreContract('DynamoDbTokenStore on DynamoDB Local: the store contract', () => contractTable.store);

describe('DynamoDbTokenStore on DynamoDB Local', () => {
  describe('listing and search through the indexes', () => {
    const people = [
      ['SRCH00000001', 'alice.s', 'Alice', 'Archer', 'Search'],
      ['SRCH00000002', 'alan', 'Alan', 'Archibald', 'Search'],
      ['SRCH00000003', 'bob', 'Bob', 'Baker', 'Search'],
      ['SRCH00000004', 'zoe', 'Zoë', 'Ärcher', 'Search'],
      ['SRCH00000005', 'ann', 'Ann', 'Archer', 'OtherDomain'],
      ['SRCH00000006', 'Alice.S', 'Alice', 'Archer', 'Search'],
    ] as const;

    beforeAll(async () => {
      for (const [serial, userId, firstName, lastName, securityDomain] of people) {
        await table.store.saveToken(
          aToken({ serial, securityDomain, user: { userId, firstName, lastName } }),
        );
      }
      await table.store.saveToken(aToken({ serial: 'SRCH00000007', securityDomain: 'Search', user: null }));
    });

    const serials = (items: TokenListing[]) => items.map((t) => t.serial);

    it('refuses a cursor bent towards another domain, and a cursor that is not one', async () => {
      const page = await table.store.findTokensInDomain('Search', {}, { limit: 1 });
      const key = JSON.parse(Buffer.from(page.cursor!, 'base64url').toString()) as Record<string, string>;
      const forged = Buffer.from(JSON.stringify({ ...key, domainKey: 'DOMAIN#OtherDomain' })).toString(
        'base64url',
      );
      await expect(
        table.store.findTokensInDomain('Search', {}, { limit: 5, cursor: forged }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        table.store.findTokensInDomain('OtherDomain', {}, { limit: 5, cursor: page.cursor }),
      ).rejects.toThrow(ValidationError);
      for (const bad of [
        'not-base64-json',
        Buffer.from('[1]').toString('base64url'),
        Buffer.from('{}').toString('base64url'),
      ]) {
        await expect(
          table.store.findTokensInDomain('Search', {}, { limit: 5, cursor: bad }),
        ).rejects.toBeInstanceOf(ValidationError);
      }
      await expect(table.store.findTokensInDomain('Search', {}, { limit: 0 })).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(table.store.findTokensInDomain('Search', {}, { limit: 101 })).rejects.toBeInstanceOf(
        ValidationError,
      );
    });

    /** Every page of a merged search, its pages' sizes kept. */
    async function allPages(domains: readonly string[] | '*', names: object, limit: number) {
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await table.store.findTokensInDomains(domains, names, { limit, cursor });
        seen.push(...serials(page.items).filter((s) => s.startsWith('SRCH')));
        sizes.push(page.items.length);
        cursor = page.cursor;
      } while (cursor !== null && sizes.length < 20);
      return { seen, sizes, cursor };
    }

    it('searches a last name across every domain in one index, in name order, page by page', async () => {
      const one = await table.store.findTokensInDomains('*', { lastNamePrefix: 'ARCH' }, { limit: 10 });
      expect(serials(one.items).filter((s) => s.startsWith('SRCH'))).toEqual([
        'SRCH00000001',
        'SRCH00000006',
        'SRCH00000005',
        'SRCH00000004',
        'SRCH00000002',
      ]);
      const paged = await allPages('*', { lastNamePrefix: 'arch' }, 2);
      expect(paged.seen).toEqual(serials(one.items).filter((s) => s.startsWith('SRCH')));
      expect(paged.cursor).toBeNull();
      const both = await table.store.findTokensInDomains(
        '*',
        { lastNamePrefix: 'arch', firstNamePrefix: 'an' },
        { limit: 10 },
      );
      expect(serials(both.items)).toEqual(['SRCH00000005']);
      await expect(
        table.store.findTokensInDomains('*', { firstNamePrefix: 'al' }, { limit: 10 }),
      ).rejects.toThrow(RangeError);
    });

    it('merges several domains read in parallel, and pages through them as one list', async () => {
      const merged = await allPages(['Search', 'OtherDomain'], { lastNamePrefix: 'arch' }, 2);
      expect(merged.seen).toEqual([
        'SRCH00000001',
        'SRCH00000006',
        'SRCH00000005',
        'SRCH00000004',
        'SRCH00000002',
      ]);
      expect(merged.sizes.every((n) => n <= 2)).toBe(true);
      const whole = await allPages(['OtherDomain', 'Search'], {}, 3);
      expect([...whole.seen].sort()).toEqual(
        [...people.map(([serial]): string => serial), 'SRCH00000007'].sort(),
      );
      expect(new Set(whole.seen).size).toBe(whole.seen.length);
      // A first-name filter can leave a page short; paging still ends with each match once.
      const filtered = await allPages(
        ['Search', 'OtherDomain'],
        { lastNamePrefix: 'a', firstNamePrefix: 'al' },
        1,
      );
      expect(filtered.seen).toEqual(['SRCH00000001', 'SRCH00000006', 'SRCH00000002']);
      expect(filtered.cursor).toBeNull();
      // Only the named domains are read.
      const one = await allPages(['OtherDomain'], { lastNamePrefix: 'arch' }, 5);
      expect(one.seen).toEqual(['SRCH00000005']);
    });

    it('finds, after the backfill, a token saved before the index across domains existed', async () => {
      await table.store.saveToken(
        aToken({
          serial: 'SRCH00000008',
          securityDomain: 'OtherDomain',
          user: { userId: 'old', firstName: 'Olga', lastName: 'Archway' },
        }),
      );
      const documents = DynamoDBDocumentClient.from(table.client);
      const key = { pk: 'TOKEN#SRCH00000008', sk: 'STATE#TOKEN' };
      await documents.send(
        new UpdateCommand({ TableName: table.tableName, Key: key, UpdateExpression: 'REMOVE lastNameShard' }),
      );
      const found = async () =>
        serials(
          (await table.store.findTokensInDomains('*', { lastNamePrefix: 'archw' }, { limit: 10 })).items,
        );
      expect(await found()).toEqual([]);
      expect(await backfillNameIndex(table.client, table.tableName)).toMatchObject({ updated: 1 });
      expect(await found()).toEqual(['SRCH00000008']);
      // Once is enough; the token item is otherwise unchanged (its version too).
      expect(await backfillNameIndex(table.client, table.tableName)).toMatchObject({ updated: 0 });
      expect((await table.store.getToken('SRCH00000008'))!.version).toBe(1);
    });

    it('refuses a merged search cursor outside the searched prefix or not one at all', async () => {
      const page = await table.store.findTokensInDomains(
        ['Search'],
        { lastNamePrefix: 'arch' },
        { limit: 1 },
      );
      expect(page.cursor).not.toBeNull();
      await expect(
        table.store.findTokensInDomains(
          ['Search'],
          { lastNamePrefix: 'bak' },
          { limit: 1, cursor: page.cursor },
        ),
      ).rejects.toBeInstanceOf(ValidationError);
      for (const bad of [
        'not-base64-json',
        Buffer.from('{}').toString('base64url'),
        Buffer.from(JSON.stringify({ after: 'archer#alice#X', domainKey: 'DOMAIN#Other' })).toString(
          'base64url',
        ),
        Buffer.from(JSON.stringify({ after: 'archer' })).toString('base64url'),
      ]) {
        await expect(
          table.store.findTokensInDomains(['Search'], { lastNamePrefix: 'arch' }, { limit: 1, cursor: bad }),
        ).rejects.toBeInstanceOf(ValidationError);
      }
    });
  });
});
