import { expiryDaysToSweep } from '../../../../shared/use-cases/sweep-expired';

describe('expiryDaysToSweep', () => {
  it('reads from the look-back day to today, oldest first, across month and year ends', () => {
    expect(expiryDaysToSweep(new Date('2027-01-01T05:00:00.000Z'), 3)).toEqual([
      '2026-12-29',
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
    ]);
    expect(expiryDaysToSweep(new Date('2028-03-01T00:00:00.000Z'), 1)).toEqual(['2028-02-29', '2028-03-01']);
  });

  it('reads today alone with no look-back, and never a day after today', () => {
    expect(expiryDaysToSweep(new Date('2027-06-30T23:59:59.999Z'), 0)).toEqual(['2027-06-30']);
    const days = expiryDaysToSweep(new Date('2027-06-30T23:59:59.999Z'), 90);
    expect(days).toHaveLength(91);
    expect(days.at(-1)).toBe('2027-06-30');
    expect(days[0]).toBe('2027-04-01');
  });
});
