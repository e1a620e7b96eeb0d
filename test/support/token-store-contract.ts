/**
 * The token store's contract (shared/ports/token-store.ts), written once and run against every store:
 * the DynamoDB one on DynamoDB Local (test/integration/shared/adapters/dynamodb/dynamodb-token-store.test.ts) and the one in memory
 * (test/unit/shared/adapters/memory/memory-token-store.test.ts) that the use-case tests run on. `subject` gives the
 * store under test, one for the whole suite; each test uses keys of its own.
 */
import { statusOf } from '../../functions/api/contract/statuses';
import { ConflictError, ValidationError } from '../../shared/domain/errors';
import { emptySettings } from '../../shared/domain/emergency-access';
import { ownCounters } from '../../shared/domain/lockout';
import { nextAdminSettings } from '../../shared/domain/regional-state';
import type { ViewRequest } from '../../shared/domain/view-request';
import type { TokenListing, TokenStore } from '../../shared/ports/token-store';
import { aSecurityDomain, aToken, aUser, anAgent, anAuditEvent, anIssuedCode } from './fixtures';

export function tokenStoreContract(name: string, subject: () => TokenStore): void {
  describe(`${name}: the token store contract`, () => {
    describe('versioned writes', () => {
      it('stores a new entity at version 1, and each save moves it on by one', async () => {
        const store = subject();
        const domain = await store.saveSecurityDomain(aSecurityDomain({ id: 'V1' }));
        expect(domain.version).toBe(1);
        const renamed = await store.saveSecurityDomain({ ...domain, name: 'Renamed' });
        expect(renamed.version).toBe(2);
        expect(await store.getSecurityDomain('V1')).toEqual(renamed);
      });

      it('rejects a write at a stale version with a typed conflict, and keeps the newer item', async () => {
        const store = subject();
        const first = await store.saveUser(aUser({ userId: 'stale-user' }));
        const newer = await store.saveUser({ ...first, lastName: 'Newer' });
        const error = await store.saveUser({ ...first, lastName: 'Stale' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConflictError);
        expect(error).toMatchObject({ code: 'ETAG_MISMATCH', retryable: true });
        expect(statusOf((error as ConflictError).code)).toBe(412);
        expect(await store.getUser('stale-user')).toEqual(newer);
      });

      it('refuses to create an entity that already exists', async () => {
        const store = subject();
        await store.saveAgent(anAgent({ agentId: 'twice' }));
        await expect(store.saveAgent(anAgent({ agentId: 'twice', name: 'Other' }))).rejects.toBeInstanceOf(
          ConflictError,
        );
        expect((await store.getAgent('twice'))?.name).toBe('Windows agent');
      });

      it('lets exactly one of two writers at the same version win', async () => {
        const store = subject();
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
        const store = subject();
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
        const token = await subject().saveToken(aToken({ serial: 'FRESH0000001' }));
        expect(await subject().getTokenState(token.serial)).toEqual({
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
        expect(await subject().getTokenState('NOSUCHTOKEN1')).toBeNull();
        expect(await subject().getToken('NOSUCHTOKEN1')).toBeNull();
      });

      it('keeps audit events out of the state query, and lists them newest first in pages', async () => {
        const serial = 'AUDIT0000001';
        await subject().saveToken(aToken({ serial }));
        for (let i = 0; i < 5; i++) {
          await subject().appendAudit({
            eventId: `event-${i}`,
            ...anAuditEvent({ serial, at: `2026-12-01T00:00:0${i}.000Z`, requestId: `r${i}` }),
          });
        }
        const first = await subject().listAudit(serial, { limit: 3 });
        expect(first.items.map((e) => e.requestId)).toEqual(['r4', 'r3', 'r2']);
        expect(first.items[0]).toEqual(
          anAuditEvent({ serial, at: '2026-12-01T00:00:04.000Z', requestId: 'r4' }),
        );
        const second = await subject().listAudit(serial, { limit: 3, cursor: first.cursor });
        expect(second.items.map((e) => e.requestId)).toEqual(['r1', 'r0']);
        const state = await subject().getTokenState(serial);
        expect(state?.issued).toBeNull();
      });

      it('keeps a user’s offline authentications per agent', async () => {
        const store = subject();
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
        expect((await store.listOfflineAuthentications('offline-user')).map((r) => r.agentId)).toEqual([
          'a2',
        ]);
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
          await subject().saveToken(
            aToken({ serial, securityDomain, user: { userId, firstName, lastName } }),
          );
        }
        await subject().saveToken(aToken({ serial: 'SRCH00000007', securityDomain: 'Search', user: null }));
      });

      const serials = (items: TokenListing[]) => items.map((t) => t.serial);

      it('finds a user’s tokens by user id, case-insensitively, with no secret in the listing', async () => {
        const page = await subject().findTokensByUserId('ALICE.s', { limit: 10 });
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
        const page = await subject().findTokensInDomain('Search', { lastNamePrefix: 'ARCH' }, { limit: 10 });
        expect(serials(page.items)).toEqual(['SRCH00000001', 'SRCH00000006', 'SRCH00000004', 'SRCH00000002']);
      });

      it('finds by first-name prefix alone, and by both names', async () => {
        const byFirst = await subject().findTokensInDomain(
          'Search',
          { firstNamePrefix: 'al' },
          { limit: 10 },
        );
        expect(serials(byFirst.items).sort()).toEqual(['SRCH00000001', 'SRCH00000002', 'SRCH00000006']);
        const both = await subject().findTokensInDomain(
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
          const page = await subject().findTokensInDomain('Search', {}, { limit: 2, cursor });
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

      it('refuses a cursor of another query, a cursor that is not one, and a page size out of range', async () => {
        const page = await subject().findTokensInDomain('Search', {}, { limit: 1 });
        expect(page.cursor).not.toBeNull();
        await expect(
          subject().findTokensInDomain('OtherDomain', {}, { limit: 5, cursor: page.cursor }),
        ).rejects.toThrow(ValidationError);
        await expect(
          subject().findTokensByUserId('alice.s', { limit: 5, cursor: page.cursor }),
        ).rejects.toThrow(ValidationError);
        for (const bad of [
          'not-base64-json',
          Buffer.from('[1]').toString('base64url'),
          Buffer.from('{}').toString('base64url'),
        ]) {
          await expect(
            subject().findTokensInDomain('Search', {}, { limit: 5, cursor: bad }),
          ).rejects.toBeInstanceOf(ValidationError);
        }
        await expect(subject().findTokensInDomain('Search', {}, { limit: 0 })).rejects.toBeInstanceOf(
          ValidationError,
        );
        await expect(subject().findTokensInDomain('Search', {}, { limit: 101 })).rejects.toBeInstanceOf(
          ValidationError,
        );
      });

      it('lists security domains and agents', async () => {
        await subject().saveSecurityDomain(aSecurityDomain({ id: 'ListMe' }));
        await subject().saveAgent(anAgent({ agentId: 'list-agent' }));
        const domains = await subject().listSecurityDomains({ limit: 100 });
        expect(domains.items.map((d) => d.id)).toContain('ListMe');
        const agents = await subject().listAgents({ limit: 100 });
        expect(agents.items.map((a) => a.agentId)).toContain('list-agent');
        expect(agents.items.every((a) => 'supportsOfflineAuthentication' in a)).toBe(true);
      });
    });

    describe('the sparse expiry index', () => {
      it('holds active codes only, by expiry day, and finds those due at a time', async () => {
        const store = subject();
        const day = '2027-01-10';
        const early = await store.saveIssuedCode(
          anIssuedCode({ serial: 'EXP000000001', expiresAt: `${day}T01:00:00.000Z` }),
        );
        await store.saveIssuedCode(
          anIssuedCode({ serial: 'EXP000000002', expiresAt: `${day}T05:00:00.000Z` }),
        );
        await store.saveIssuedCode(
          anIssuedCode({ serial: 'EXP000000003', expiresAt: `${day}T02:00:00.000Z` }),
        );
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
    describe('conditional writes of every entity', () => {
      it('creates each kind once, and refuses a stale or a missing version', async () => {
        const store = subject();
        const writes: [string, () => Promise<{ version: number }>, (v: number) => Promise<unknown>][] = [];
        const domain = await store.saveSecurityDomain(aSecurityDomain({ id: 'Cond' }));
        writes.push([
          'domain',
          () => store.saveSecurityDomain(aSecurityDomain({ id: 'Cond' })),
          (v) => store.saveSecurityDomain({ ...domain, version: v }),
        ]);
        const agent = await store.saveAgent(anAgent({ agentId: 'cond-agent' }));
        writes.push([
          'agent',
          () => store.saveAgent(anAgent({ agentId: 'cond-agent' })),
          (v) => store.saveAgent({ ...agent, version: v }),
        ]);
        const token = await store.saveToken(aToken({ serial: 'COND00000001' }));
        writes.push([
          'token',
          () => store.saveToken(aToken({ serial: 'COND00000001' })),
          (v) => store.saveToken({ ...token, version: v }),
        ]);
        const issued = await store.saveIssuedCode(anIssuedCode({ serial: 'COND00000001' }));
        writes.push([
          'issued',
          () => store.saveIssuedCode(anIssuedCode({ serial: 'COND00000001' })),
          (v) => store.saveIssuedCode({ ...issued, version: v }),
        ]);
        const counters = await store.saveRegionalCounters(ownCounters([], 'COND00000001', 'r1'));
        writes.push([
          'counters',
          () => store.saveRegionalCounters(ownCounters([], 'COND00000001', 'r1')),
          (v) => store.saveRegionalCounters({ ...counters, version: v }),
        ]);
        for (const [what, create, atVersion] of writes) {
          await expect(create()).rejects.toBeInstanceOf(ConflictError);
          await expect(atVersion(7)).rejects.toBeInstanceOf(ConflictError);
          expect({ what, version: ((await atVersion(1)) as { version: number }).version }).toEqual({
            what,
            version: 2,
          });
        }
        await expect(
          store.saveUser({ ...aUser({ userId: 'never-stored' }), version: 3 }),
        ).rejects.toBeInstanceOf(ConflictError);
        expect(await store.getUser('never-stored')).toBeNull();
      });

      it('refuses to delete an offline record that is gone or was changed', async () => {
        const store = subject();
        const record = await store.saveOfflineAuthentication({
          userId: 'del-user',
          agentId: 'a1',
          region: 'r1',
          authenticatedAt: '2026-12-01T00:00:00.000Z',
          download: null,
          version: 0,
        });
        const changed = await store.saveOfflineAuthentication({
          ...record,
          authenticatedAt: '2026-12-02T00:00:00.000Z',
        });
        await expect(store.deleteOfflineAuthentication(record)).rejects.toBeInstanceOf(ConflictError);
        await store.deleteOfflineAuthentication(changed);
        await expect(store.deleteOfflineAuthentication(changed)).rejects.toBeInstanceOf(ConflictError);
        expect(await store.getOfflineAuthentication('DEL-USER', 'a1', 'r1')).toBeNull();
      });

      it('keeps what it stored apart from the objects it was given and gave back', async () => {
        const store = subject();
        const given = aUser({ userId: 'copied' });
        const saved = await store.saveUser(given);
        given.lastName = 'Changed';
        saved.firstName = 'Changed';
        const read = await store.getUser('copied');
        read!.securityDomain = 'Changed';
        expect(await store.getUser('copied')).toEqual({ ...aUser({ userId: 'copied' }), version: 1 });
      });
    });

    describe('audit events', () => {
      it('appends an event once per event id, whoever appends it and however often', async () => {
        const store = subject();
        const serial = 'ONCE00000001';
        const event = { eventId: 'the-one', ...anAuditEvent({ serial, requestId: 'once' }) };
        await Promise.all([store.appendAudit(event), store.appendAudit(event)]);
        await store.appendAudit(event);
        await store.appendAudit({ ...event, eventId: 'another' });
        const listed = await store.listAudit(serial, { limit: 10 });
        expect(listed.items).toHaveLength(2);
        expect(listed.items[0]).toEqual(anAuditEvent({ serial, requestId: 'once' }));
      });
    });

    describe('narrow reads', () => {
      it('reads a token’s domain and its overview with no secret in it', async () => {
        const store = subject();
        const serial = 'NARROW000001';
        const token = await store.saveToken(
          aToken({
            serial,
            securityDomain: 'Narrow',
            pinVerifier: {
              algorithm: 'pbkdf2-sha256',
              iterations: 600_000,
              salt: 'c2FsdA==',
              hash: 'aGFzaA==',
            },
          }),
        );
        const state = (await store.getTokenState(serial))!;
        const write = { region: 'r1', at: new Date('2026-12-01T00:00:00.000Z'), by: 'helpdesk' };
        await store.saveAdminSettings(
          nextAdminSettings(state.items, { enabled: false, onlineUse: true }, write),
        );
        await store.saveIssuedCode(
          anIssuedCode({ serial, generation: 2, expiresAt: '2026-12-20T00:00:00.000Z' }),
        );
        expect(await store.getTokenDomain(serial)).toBe('Narrow');
        expect(await store.getTokenDomain('NOSUCHTOKEN1')).toBeNull();
        const overview = await store.getTokenOverview(serial);
        expect(overview).toEqual({
          token: {
            serial,
            kind: token.kind,
            enabled: false,
            user: token.user,
            securityDomain: 'Narrow',
            lastOnlineAuthenticationAt: null,
          },
          issued: { generation: 2, state: 'active', expiresAt: '2026-12-20T00:00:00.000Z' },
          lockout: expect.objectContaining({ serial, locked: false, tokencodeFailures: 0 }),
        });
        expect(JSON.stringify(overview)).not.toMatch(/c2VhbGVk|aGFzaA|c2FsdA/);
        expect(await store.getTokenOverview('NOSUCHTOKEN1')).toBeNull();
        const ids = await store.listSecurityDomainIds({ limit: 100 });
        expect(ids.items).toEqual([...ids.items].sort());
      });
    });

    describe('view requests', () => {
      it('keeps a request under conditional writes, and lists the pending ones still open, soonest first', async () => {
        const store = subject();
        const request = (serial: string, id: string, approveBy: string): ViewRequest => ({
          id,
          serial,
          user: null,
          securityDomain: 'Views',
          region: 'r1',
          requestedBy: 'jane.admin',
          requestedAt: '2027-04-01T00:00:00.000Z',
          reason: 'locked out on a plane',
          ticket: null,
          approveBy,
          status: 'pending',
          decidedBy: null,
          decidedAt: null,
          viewBy: null,
          viewedAt: null,
          version: 0,
        });
        const late = await store.saveViewRequest(
          request('VIEW00000001', 'a'.repeat(32), '2027-04-01T02:00:00.000Z'),
        );
        await store.saveViewRequest(request('VIEW00000002', 'b'.repeat(32), '2027-04-01T01:00:00.000Z'));
        await store.saveViewRequest(request('VIEW00000003', 'c'.repeat(32), '2027-03-31T23:00:00.000Z'));
        await expect(
          store.saveViewRequest(request('VIEW00000001', 'a'.repeat(32), '2027-04-01T02:00:00.000Z')),
        ).rejects.toBeInstanceOf(ConflictError);
        expect(await store.getViewRequest('VIEW00000001', 'a'.repeat(32))).toEqual(late);
        expect(await store.getViewRequest('VIEW00000001', 'd'.repeat(32))).toBeNull();
        const open = await store.listPendingViewRequests('2027-04-01T00:00:00.000Z', { limit: 100 });
        const ours = open.items.filter((r) => r.securityDomain === 'Views').map((r) => r.serial);
        expect(ours).toEqual(['VIEW00000002', 'VIEW00000001']);
        const decided = await store.saveViewRequest({
          ...late,
          status: 'denied',
          decidedBy: 'sam',
          decidedAt: '2027-04-01T00:30:00.000Z',
        });
        await expect(store.saveViewRequest({ ...late, status: 'approved' })).rejects.toBeInstanceOf(
          ConflictError,
        );
        expect(decided.version).toBe(2);
        const after = await store.listPendingViewRequests('2027-04-01T00:00:00.000Z', { limit: 100 });
        expect(after.items.filter((r) => r.securityDomain === 'Views').map((r) => r.serial)).toEqual([
          'VIEW00000002',
        ]);
      });
    });

    describe('run-out downloads', () => {
      it('finds a region’s download records whose data ran out by a time, oldest first, and no others', async () => {
        const store = subject();
        const day = '2027-02-01';
        const record = (userId: string, region: string, validUntil: string | null) =>
          store.saveOfflineAuthentication({
            userId,
            agentId: 'agent-x',
            region,
            authenticatedAt: '2027-01-18T00:00:00.000Z',
            download:
              validUntil === null ? null : { downloadedAt: '2027-01-18T00:00:00.000Z', days: 14, validUntil },
            version: 0,
          });
        await record('Run-Late', 'r1', `${day}T09:00:00.000Z`);
        await record('run-early', 'r1', `${day}T01:00:00.000Z`);
        await record('run-other-region', 'r2', `${day}T01:00:00.000Z`);
        await record('run-no-download', 'r1', null);
        await record('run-next-day', 'r1', '2027-02-02T00:00:00.000Z');
        const due = await store.findRunOutDownloads('r1', day, `${day}T09:00:00.000Z`, { limit: 10 });
        expect(due.items).toEqual([
          { userId: 'run-early', agentId: 'agent-x', region: 'r1', validUntil: `${day}T01:00:00.000Z` },
          { userId: 'run-late', agentId: 'agent-x', region: 'r1', validUntil: `${day}T09:00:00.000Z` },
        ]);
        const first = await store.findRunOutDownloads('r1', day, `${day}T23:00:00.000Z`, { limit: 1 });
        const second = await store.findRunOutDownloads('r1', day, `${day}T23:00:00.000Z`, {
          limit: 1,
          cursor: first.cursor,
        });
        expect([...first.items, ...second.items].map((r) => r.userId)).toEqual(['run-early', 'run-late']);
      });
    });
  });
}
