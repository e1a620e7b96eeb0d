import { randomInt } from 'node:crypto';
import {
  compileTicketPattern,
  DEFAULT_VIEW_POLICY,
  reasonRefusal,
  ticketPatternProblem,
} from '../../../../shared/domain/view-policy';

/** The regular expression a pattern means, for comparison only (the product never builds one). */
function regexOf(pattern: string): RegExp {
  const source = pattern
    .replace(/[.\\/:-]/g, (c) => `\\${c}`)
    .replace(/#\+?|@\+?/g, (p) => (p[0] === '#' ? '[0-9]' : '[A-Z]') + (p.endsWith('+') ? '+' : ''));
  return new RegExp(`^${source}$`);
}

describe('ticket patterns', () => {
  it.each([
    ['INC#######', ['INC0012345'], ['INC001234', 'INC00123456', 'inc0012345', 'CHG0012345']],
    ['@+-#+', ['OPS-1', 'SEC-20931'], ['OPS-', '-1', 'ops-1', 'OPS1', 'OPS-1a']],
    ['CHG#+', ['CHG1', 'CHG000'], ['CHG', 'CHG1X']],
    ['RITM/#+:@', ['RITM/12:A'], ['RITM/12:', 'RITM12:A']],
  ])('%s matches whole references only', (pattern, good, bad) => {
    const matches = compileTicketPattern(pattern);
    for (const reference of good) expect([reference, matches(reference)]).toEqual([reference, true]);
    for (const reference of bad) expect([reference, matches(reference)]).toEqual([reference, false]);
  });

  it('agrees with the regular expression it stands for, on random references', () => {
    const alphabet = 'AB12-/';
    for (const pattern of ['@+-#+', 'A#+/@', '#@+1', 'AB-#+', '@@-##']) {
      const matches = compileTicketPattern(pattern);
      const regex = regexOf(pattern);
      for (let i = 0; i < 2000; i++) {
        const reference = Array.from(
          { length: randomInt(0, 9) },
          () => alphabet[randomInt(alphabet.length)],
        ).join('');
        expect([pattern, reference, matches(reference)]).toEqual([pattern, reference, regex.test(reference)]);
      }
    }
  });

  it('refuses regular-expression syntax and repeats that a greedy pass could get wrong', () => {
    expect(ticketPatternProblem('(a+)+$')).toMatch(/only # @ \+/);
    expect(ticketPatternProblem('#+1')).toMatch(/must be followed/);
    expect(ticketPatternProblem('#+#')).toMatch(/must be followed/);
    expect(ticketPatternProblem('@+@')).toMatch(/must be followed/);
    expect(ticketPatternProblem('@+X')).toMatch(/must be followed/);
    expect(ticketPatternProblem('++')).toMatch(/\+ follows only/);
    expect(ticketPatternProblem('')).toMatch(/1 to 32/);
    expect(ticketPatternProblem('#'.repeat(33))).toMatch(/1 to 32/);
    expect(ticketPatternProblem('#+@+-#+')).toBeNull();
    expect(() => compileTicketPattern('#+#')).toThrow();
  });

  it('refuses a reference over 64 characters without looking at it', () => {
    expect(compileTicketPattern('#+')('1'.repeat(64))).toBe(true);
    expect(compileTicketPattern('#+')('1'.repeat(65))).toBe(false);
  });
});

describe('reasonRefusal', () => {
  const policy = { ...DEFAULT_VIEW_POLICY, reasonRequired: true, ticketPattern: 'INC#+' };
  it('asks for what the policy asks, and nothing more', () => {
    expect(reasonRefusal(DEFAULT_VIEW_POLICY, {}, 'view')).toBeNull();
    expect(reasonRefusal(DEFAULT_VIEW_POLICY, {}, 'request')?.code).toBe('REASON_REQUIRED');
    expect(reasonRefusal({ ...DEFAULT_VIEW_POLICY, dualControl: true }, {}, 'view')?.code).toBe(
      'REASON_REQUIRED',
    );
    expect(reasonRefusal(policy, { ticket: 'INC1' }, 'view')?.code).toBe('REASON_REQUIRED');
    expect(reasonRefusal(policy, { reason: 'because' }, 'view')?.code).toBe('TICKET_INVALID');
    expect(reasonRefusal(policy, { reason: 'because', ticket: 'INC' }, 'view')?.code).toBe('TICKET_INVALID');
    expect(reasonRefusal(policy, { reason: 'because', ticket: 'INC1' }, 'view')).toBeNull();
  });
});
