/** The sparse expiry index as the sweep uses it: due codes, and download records that have run out. */
import { ConflictError, ValidationError } from '../../../shared/domain/errors';
import type { OfflineAuthentication } from '../../../shared/domain/model';
import { anIssuedCode } from '../../support/fixtures';
import { createTestTable, type TestTable } from '../../support/table';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});
afterAll(async () => {
  await table.drop();
  table.client.destroy();
});

function aDownloadRecord(overrides: Partial<OfflineAuthentication> & { validUntil?: string }) {
  const { validUntil = '2027-05-20T10:00:00.000Z', ...rest } = overrides;
  return {
    userId: 'Dana.Down',
    agentId: 'win-agent-1',
    region: 'r1',
    authenticatedAt: '2027-05-06T10:00:00.000Z',
    download: { downloadedAt: '2027-05-06T10:00:00.000Z', days: 14, validUntil },
    version: 0,
    ...rest,
  } satisfies OfflineAuthentication;
}

describe('the expiry index', () => {
  it('finds a code due exactly at `now`, and not one due a millisecond later', async () => {
    const store = table.store;
    const day = '2027-04-02';
    await store.saveIssuedCode(anIssuedCode({ serial: 'EDGE00000001', expiresAt: `${day}T09:00:00.000Z` }));
    await store.saveIssuedCode(anIssuedCode({ serial: 'EDGE00000002', expiresAt: `${day}T09:00:00.001Z` }));
    const due = await store.findDueCodes(day, `${day}T09:00:00.000Z`, { limit: 10 });
    expect(due.items.map((d) => d.serial)).toEqual(['EDGE00000001']);
    const later = await store.findDueCodes(day, `${day}T09:00:00.001Z`, { limit: 10 });
    expect(later.items.map((d) => d.serial)).toEqual(['EDGE00000001', 'EDGE00000002']);
  });

  it('holds a user’s download record by the day its data runs out, apart from the codes', async () => {
    const store = table.store;
    const day = '2027-05-20';
    const saved = await store.saveOfflineAuthentication(aDownloadRecord({ agentId: 'agent#7' }));
    await store.saveIssuedCode(anIssuedCode({ serial: 'MIXD00000001', expiresAt: `${day}T09:00:00.000Z` }));

    const runOut = await store.findRunOutDownloads('r1', day, `${day}T10:00:00.000Z`, { limit: 10 });
    expect(runOut).toEqual({
      items: [{ userId: 'dana.down', agentId: 'agent#7', region: 'r1', validUntil: `${day}T10:00:00.000Z` }],
      cursor: null,
    });
    const codes = await store.findDueCodes(day, `${day}T23:59:59.999Z`, { limit: 10 });
    expect(codes.items.map((d) => d.serial)).toEqual(['MIXD00000001']);
    expect(await store.findRunOutDownloads('r1', day, `${day}T09:59:59.999Z`, { limit: 10 })).toEqual({
      items: [],
      cursor: null,
    });
    // The index keys stay storage: the entity read back is the one saved.
    expect(await store.getOfflineAuthentication('DANA.DOWN', 'agent#7', 'r1')).toEqual(saved);
    expect(await store.getOfflineAuthentication('dana.down', 'nobody', 'r1')).toBeNull();
  });

  it('moves a refreshed download to its new day, and drops a record without one or deleted', async () => {
    const store = table.store;
    const day = '2027-06-01';
    const now = `${day}T23:59:59.999Z`;
    const saved = await store.saveOfflineAuthentication(
      aDownloadRecord({ userId: 'refresh', validUntil: `${day}T01:00:00.000Z` }),
    );
    const other = await store.saveOfflineAuthentication(
      aDownloadRecord({ userId: 'refresh', agentId: 'other', validUntil: `${day}T02:00:00.000Z` }),
    );
    expect((await store.findRunOutDownloads('r1', day, now, { limit: 10 })).items).toHaveLength(2);

    const refreshed = await store.saveOfflineAuthentication({
      ...saved,
      download: { downloadedAt: `${day}T00:30:00.000Z`, days: 14, validUntil: '2027-06-15T00:30:00.000Z' },
    });
    await store.saveOfflineAuthentication({ ...other, download: null });
    expect((await store.findRunOutDownloads('r1', day, now, { limit: 10 })).items).toEqual([]);
    expect(
      (await store.findRunOutDownloads('r1', '2027-06-15', '2027-06-15T00:30:00.000Z', { limit: 10 })).items,
    ).toEqual([
      { userId: 'refresh', agentId: 'win-agent-1', region: 'r1', validUntil: '2027-06-15T00:30:00.000Z' },
    ]);

    await expect(store.deleteOfflineAuthentication(saved)).rejects.toBeInstanceOf(ConflictError);
    await store.deleteOfflineAuthentication(refreshed);
    expect(
      (await store.findRunOutDownloads('r1', '2027-06-15', '2027-06-15T23:00:00.000Z', { limit: 10 })).items,
    ).toEqual([]);
  });

  it('pages through a day of run-out downloads, and keeps a cursor to its own bucket', async () => {
    const store = table.store;
    const day = '2027-07-04';
    for (let i = 0; i < 5; i++) {
      await store.saveOfflineAuthentication(
        aDownloadRecord({ userId: `pager-${i}`, validUntil: `${day}T0${i}:00:00.000Z` }),
      );
    }
    const now = `${day}T12:00:00.000Z`;
    const first = await store.findRunOutDownloads('r1', day, now, { limit: 3 });
    expect(first.items.map((d) => d.userId)).toEqual(['pager-0', 'pager-1', 'pager-2']);
    const second = await store.findRunOutDownloads('r1', day, now, { limit: 3, cursor: first.cursor });
    expect(second.items.map((d) => d.userId)).toEqual(['pager-3', 'pager-4']);
    await expect(
      store.findRunOutDownloads('r1', '2027-07-05', now, { limit: 3, cursor: first.cursor }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(store.findDueCodes(day, now, { limit: 3, cursor: first.cursor })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
