import { replicationView, settingsChangedAt, type ItemVersion } from '../../../../shared/domain/replication';

const at = new Date('2026-12-01T10:00:05.000Z');
const written: ItemVersion[] = [
  { item: 'administrators-settings', version: 3, changedAt: '2026-12-01T10:00:02.000Z' },
  { item: 'lockout', version: 2, changedAt: null },
];
const copy = (settings: number, lockout: number): ItemVersion[] => [
  { item: 'administrators-settings', version: settings, changedAt: null },
  { item: 'lockout', version: lockout, changedAt: null },
];
const view = (copies: { region: string; items: ItemVersion[] | null }[]) =>
  replicationView({ serial: 'S1', writtenIn: 'a', written, copies, checkedAt: at });

describe('replicationView', () => {
  it('is replicated where every written item is at its version or later, pending where one is behind', () => {
    const result = view([
      { region: 'a', items: written },
      { region: 'b', items: copy(3, 2) },
      { region: 'c', items: copy(4, 2) },
      { region: 'd', items: copy(3, 1) },
      { region: 'e', items: null },
    ]);
    expect(result.regions.map((r) => [r.region, r.state])).toEqual([
      ['a', 'origin'],
      ['b', 'replicated'],
      ['c', 'replicated'],
      ['d', 'pending'],
      ['e', 'unreachable'],
    ]);
    expect(result.replicatedEverywhere).toBe(false);
    expect(result.changedAt).toBe('2026-12-01T10:00:02.000Z');
    expect(result.checkedAt).toBe(at.toISOString());
  });

  it('counts an item a region lacks as version 0, and is everywhere once nothing is behind', () => {
    const none = replicationView({
      serial: 'S1',
      writtenIn: 'a',
      written: [],
      copies: [
        { region: 'a', items: [] },
        { region: 'b', items: [] },
      ],
      checkedAt: at,
    });
    expect(none.written.map((w) => w.version)).toEqual([0, 0]);
    expect(none.replicatedEverywhere).toBe(true);
    expect(none.changedAt).toBeNull();
    expect(view([{ region: 'b', items: [] }]).regions[0]).toEqual({
      region: 'b',
      state: 'pending',
      items: [
        { item: 'administrators-settings', version: 0 },
        { item: 'lockout', version: 0 },
      ],
    });
  });
});

describe('settingsChangedAt', () => {
  it('is the newest time of the registers and the reset request', () => {
    expect(
      settingsChangedAt({
        registers: {
          enabled: { at: '2026-12-01T09:00:00.000Z' },
          onlineUse: { at: '2026-12-01T09:30:00.000Z' },
        },
        reset: { at: '2026-12-01T09:10:00.000Z' },
      }),
    ).toBe('2026-12-01T09:30:00.000Z');
    expect(settingsChangedAt({ registers: {}, reset: null })).toBeNull();
  });
});
