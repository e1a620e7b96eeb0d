import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, ValidationError } from '../../../shared/domain/errors';
import { emptySettings } from '../../../shared/domain/emergency-access';
import { ownCounters } from '../../../shared/domain/lockout';
import { nextAdminSettings } from '../../../shared/domain/regional-state';
import type { TokenListing } from '../../../shared/ports/token-store';
import { aSecurityDomain, aToken, aUser, anAgent, anAuditEvent, anIssuedCode } from '../../support/fixtures';
import { createTestTable, type TestTable } from '../../support/table';
import { tokenStoreContract } from '../../support/token-store-contract';
import { backfillNameIndex } from '../../../scripts/backfill-name-index';

let table: TestTable;
/** The store contract on a table of its own: the cases below seed theirs with the same ids. */
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
  describe('versioned writes', () => {
    it('stores a new entity at version 1, and each save moves it on by one', async () => {
      const store = table.store;
      const domain = await store.saveSecurityDomain(aSecurityDomain({ id: 'V1' }));
      expect(domain.version).toBe(1);
      const renamed = await store.saveSecurityDomain({ ...domain, name: 'Renamed' });
      expect(renamed.version).toBe(2);
      expect(await store.getSecurityDomain('V1')).toEqual(renamed);
    });

    it('rejects a write at a stale version with a typed conflict, and keeps the newer item', async () => {
      const store = table.store;
      const first = await store.saveUser(aUser({ userId: 'stale-user' }));
      const newer = await store.saveUser({ ...first, lastName: 'Newer' });
      const error = await store.saveUser({ ...first, lastName: 'Stale' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ code: 'ETAG_MISMATCH', status: 412, retryable: true });
      expect(await store.getUser('stale-user')).toEqual(newer);
    });

    it('refuses to create an entity that already exists', async () => {
      const store = table.store;
      await store.saveAgent(anAgent({ agentId: 'twice' }));
      await expect(store.saveAgent(anAgent({ agentId: 'twice', name: 'Other' }))).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect((await store.getAgent('twice'))?.name).toBe('Windows agent');
    });

    it('lets exactly one of two writers at the same version win', async () => {
      const store = table.store;
      const token = await store.saveToken(aToken({ serial: 'RACE00000001' }));
      const state = await store.getTokenState(token.serial);
      const write = (by: string) => ({ region: 'r1', at: new Date('2026-12-01T00:00:00.000Z'), by });
      const results = await Promise.allSettled([
        store.saveAdminSettings(nextAdminSettings(state!.items, { onlineUse: true }, write('one'))),
        store.saveAdminSettings(nextAdminSettings(state!.items, { resetAtGeneration: 0 }, write('two'))),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
      const stored = (await store.getTokenState(token.serial))!.items.admin;
      expect(stored).toEqual([(won[0] as PromiseFulfilledResult<unknown>).value]);
    });

    it('never lets writers of different items of one token overwrite each other', async () => {
      const store = table.store;
      const token = await store.saveToken(aToken({ serial: 'SPLIT0000001' }));
      const before = (await store.getTokenState(token.serial))!;
      // The administrator's reset and an online login's new code, from the same read, at the same moment.
      const write = { region: 'r1', at: new Date('2026-12-01T00:00:00.000Z'), by: 'helpdesk' };
      const own = ownCounters(before.items.counters, token.serial, 'r1');
      const [admin, issued, counters] = await Promise.all([
        store.saveAdminSettings(nextAdminSettings(before.items, { resetAtGeneration: 0 }, write)),
        store.saveIssuedCode(anIssuedCode({ serial: token.serial })),
        store.saveRegionalCounters({ ...own, failures: { tokencode: 1, emergencyAccess: 0 } }),
      ]);
      const after = (await store.getTokenState(token.serial))!;
      expect(after.items.admin).toEqual([admin]);
      expect(after.issued).toEqual(issued);
      expect(after.items.counters).toEqual([counters]);
      expect(after.settings.resetRequestedAtGeneration).toBe(0);
      expect(after.lockout.tokencodeFailures).toBe(1);
      expect(after.token).toEqual(token);
    });
  });

  describe('a token and its emergency access state', () => {
    it('reads as defaults before anything was written, and null for an unknown token', async () => {
      const token = await table.store.saveToken(aToken({ serial: 'FRESH0000001' }));
      expect(await table.store.getTokenState(token.serial)).toEqual({
        token,
        settings: emptySettings(token.serial),
        issued: null,
        lockout: {
          serial: token.serial,
          tokencodeFailures: 0,
          emergencyAccessFailures: 0,
          locked: false,
          lockedAt: null,
          unlockEpoch: 0,
          lastAcceptedStep: null,
          lastAuthenticatedAt: null,
        },
        items: { token, admin: [], counters: [], issued: [] },
      });
      expect(await table.store.getTokenState('NOSUCHTOKEN1')).toBeNull();
      expect(await table.store.getToken('NOSUCHTOKEN1')).toBeNull();
    });

    it('keeps audit events out of the state query, and lists them newest first in pages', async () => {
      const serial = 'AUDIT0000001';
      await table.store.saveToken(aToken({ serial }));
      for (let i = 0; i < 5; i++) {
        await table.store.appendAudit({
          eventId: `event-${i}`,
          ...anAuditEvent({ serial, at: `2026-12-01T00:00:0${i}.000Z`, requestId: `r${i}` }),
        });
      }
      const first = await table.store.listAudit(serial, { limit: 3 });
      expect(first.items.map((e) => e.requestId)).toEqual(['r4', 'r3', 'r2']);
      expect(first.items[0]).toEqual(
        anAuditEvent({ serial, at: '2026-12-01T00:00:04.000Z', requestId: 'r4' }),
      );
      const second = await table.store.listAudit(serial, { limit: 3, cursor: first.cursor });
      expect(second.items.map((e) => e.requestId)).toEqual(['r1', 'r0']);
      const state = await table.store.getTokenState(serial);
      expect(state?.issued).toBeNull();
    });

    it('keeps a user’s offline authentications per agent', async () => {
      const store = table.store;
      await store.saveUser(aUser({ userId: 'Offline-User' }));
      const one = await store.saveOfflineAuthentication({
        userId: 'Offline-User',
        agentId: 'a1',
        region: 'r1',
        authenticatedAt: '2026-12-01T00:00:00.000Z',
        download: {
          downloadedAt: '2026-12-01T00:00:00.000Z',
          days: 14,
          validUntil: '2026-12-15T00:00:00.000Z',
        },
        version: 0,
      });
      await store.saveOfflineAuthentication({ ...one, agentId: 'a2', download: null, version: 0 });
      expect((await store.listOfflineAuthentications('offline-user')).map((r) => r.agentId)).toEqual([
        'a1',
        'a2',
      ]);
      await expect(store.deleteOfflineAuthentication({ ...one, version: 7 })).rejects.toBeInstanceOf(
        ConflictError,
      );
      await store.deleteOfflineAuthentication(one);
      expect((await store.listOfflineAuthentications('offline-user')).map((r) => r.agentId)).toEqual(['a2']);
    });
  });

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

    it('finds a user’s tokens by user id, case-insensitively, with no secret in the listing', async () => {
      const page = await table.store.findTokensByUserId('ALICE.s', { limit: 10 });
      expect(serials(page.items).sort()).toEqual(['SRCH00000001', 'SRCH00000006']);
      expect(page.items[0]).toEqual({
        serial: expect.any(String),
        kind: 'securid',
        enabled: true,
        user: { userId: expect.any(String), firstName: 'Alice', lastName: 'Archer' },
        securityDomain: 'Search',
      });
    });

    it('finds by last-name prefix within a domain, accents and case folded, ordered by name', async () => {
      const page = await table.store.findTokensInDomain('Search', { lastNamePrefix: 'ARCH' }, { limit: 10 });
      expect(serials(page.items)).toEqual(['SRCH00000001', 'SRCH00000006', 'SRCH00000004', 'SRCH00000002']);
    });

    it('finds by first-name prefix alone, and by both names', async () => {
      const byFirst = await table.store.findTokensInDomain(
        'Search',
        { firstNamePrefix: 'al' },
        { limit: 10 },
      );
      expect(serials(byFirst.items).sort()).toEqual(['SRCH00000001', 'SRCH00000002', 'SRCH00000006']);
      const both = await table.store.findTokensInDomain(
        'Search',
        { lastNamePrefix: 'arch', firstNamePrefix: 'zo' },
        { limit: 10 },
      );
      expect(serials(both.items)).toEqual(['SRCH00000004']);
    });

    it('lists a whole domain, unassigned tokens included, page by page', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await table.store.findTokensInDomain('Search', {}, { limit: 2, cursor });
        const shown = page.items.length;
        expect(shown).toBeLessThanOrEqual(2);
        seen.push(...serials(page.items));
        cursor = page.cursor;
        pages++;
      } while (cursor !== null);
      expect(seen.sort()).toEqual(
        [
          'SRCH00000001',
          'SRCH00000002',
          'SRCH00000003',
          'SRCH00000004',
          'SRCH00000006',
          'SRCH00000007',
        ].sort(),
      );
      expect(pages).toBeGreaterThanOrEqual(3);
    });

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

    it('lists security domains and agents', async () => {
      await table.store.saveSecurityDomain(aSecurityDomain({ id: 'ListMe' }));
      await table.store.saveAgent(anAgent({ agentId: 'list-agent' }));
      const domains = await table.store.listSecurityDomains({ limit: 100 });
      expect(domains.items.map((d) => d.id)).toContain('ListMe');
      const agents = await table.store.listAgents({ limit: 100 });
      expect(agents.items.map((a) => a.agentId)).toContain('list-agent');
      expect(agents.items.every((a) => 'supportsOfflineAuthentication' in a)).toBe(true);
    });
  });

  describe('the sparse expiry index', () => {
    it('holds active codes only, by expiry day, and finds those due at a time', async () => {
      const store = table.store;
      const day = '2027-01-10';
      const early = await store.saveIssuedCode(
        anIssuedCode({ serial: 'EXP000000001', expiresAt: `${day}T01:00:00.000Z` }),
      );
      await store.saveIssuedCode(anIssuedCode({ serial: 'EXP000000002', expiresAt: `${day}T05:00:00.000Z` }));
      await store.saveIssuedCode(anIssuedCode({ serial: 'EXP000000003', expiresAt: `${day}T02:00:00.000Z` }));
      await store.saveIssuedCode(
        anIssuedCode({ serial: 'EXP000000004', expiresAt: '2027-01-11T00:00:00.000Z' }),
      );

      const due = await store.findDueCodes(day, `${day}T02:00:00.000Z`, { limit: 10 });
      expect(due.items).toEqual([
        { serial: 'EXP000000001', generation: 1, expiresAt: `${day}T01:00:00.000Z` },
        { serial: 'EXP000000003', generation: 1, expiresAt: `${day}T02:00:00.000Z` },
      ]);

      await store.saveIssuedCode({ ...early, state: 'expired', sealedCode: null });
      const after = await store.findDueCodes(day, `${day}T23:59:59.999Z`, { limit: 10 });
      expect(after.items.map((d) => d.serial)).toEqual(['EXP000000003', 'EXP000000002']);
    });
  });
});
