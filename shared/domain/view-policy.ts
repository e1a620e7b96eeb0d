/**
 * A security domain's policy for reading an offline emergency code (its `viewPolicy`): whether the
 * administrator must give a reason first, a ticket reference of the domain's pattern, and whether a second
 * administrator must approve the view (dual control). Plain data and pure checks, no I/O.
 */

export interface ViewPolicy {
  /** A justification, in free text, before the code is shown (always, under dual control). */
  reasonRequired: boolean;
  /** When set, a ticket reference matching this pattern (see `compileTicketPattern`) is required too. */
  ticketPattern: string | null;
  /** A view waits for a second administrator's approval. */
  dualControl: boolean;
  /** How long a request waits for approval: 1 to 1440 minutes. */
  approvalMinutes: number;
  /** How long, after the approval, the requester may read the code, once: 1 to 1440 minutes. */
  viewMinutes: number;
}

/** Absent on domains stored before the setting, and the default of a PUT: views as before. */
export const DEFAULT_VIEW_POLICY: ViewPolicy = {
  reasonRequired: false,
  ticketPattern: null,
  dualControl: false,
  approvalMinutes: 60,
  viewMinutes: 15,
};

export const MAX_WINDOW_MINUTES = 1440;
export const MIN_REASON_LENGTH = 5;
export const MAX_REASON_LENGTH = 500;
export const MAX_TICKET_LENGTH = 64;
export const MAX_TICKET_PATTERN_LENGTH = 32;

/**
 * A ticket pattern is a fixed syntax, not a regular expression, so that no pattern an administrator
 * writes can make matching slow (no ReDoS): `#` is one digit, `@` one upper-case letter, `#+` and `@+`
 * one or more of them, and every other character (letters, digits, `-`, `_`, `.`, `/`, `:`) stands for
 * itself. A repeat must be followed by the end or by something it cannot match (`#+` by no digit, `@+`
 * by no upper-case letter), so a reference matches in one greedy pass, in time linear in its length.
 * Examples: `INC#######` (ServiceNow), `@+-#+` (Jira), `CHG#+`.
 */
type TicketPart = { kind: 'literal'; char: string } | { kind: 'digit' | 'letter'; repeat: boolean };

export type TicketMatcher = (reference: string) => boolean;

const isDigit = (c: string) => c >= '0' && c <= '9';
const isUpper = (c: string) => c >= 'A' && c <= 'Z';
const LITERAL = /^[A-Za-z0-9_./:-]$/;

function partMatches(part: TicketPart, c: string): boolean {
  if (part.kind === 'literal') return part.char === c;
  return part.kind === 'digit' ? isDigit(c) : isUpper(c);
}

/** The pattern's parts, or the reason it is not a pattern. */
function parseTicketPattern(pattern: string): TicketPart[] | string {
  if (pattern.length < 1 || pattern.length > MAX_TICKET_PATTERN_LENGTH) {
    return `ticketPattern is 1 to ${MAX_TICKET_PATTERN_LENGTH} characters`;
  }
  const parts: TicketPart[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '#' || c === '@') {
      const repeat = pattern[i + 1] === '+';
      if (repeat) i++;
      parts.push({ kind: c === '#' ? 'digit' : 'letter', repeat });
    } else if (c === '+') {
      return 'ticketPattern: + follows only # or @';
    } else if (LITERAL.test(c)) {
      parts.push({ kind: 'literal', char: c });
    } else {
      return 'ticketPattern: only # @ + letters digits - _ . / : are allowed';
    }
  }
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const next = parts[i + 1]!;
    if (part.kind === 'literal' || !part.repeat) continue;
    const overlaps = next.kind === part.kind || (next.kind === 'literal' && partMatches(part, next.char));
    if (overlaps) {
      return `ticketPattern: ${part.kind === 'digit' ? '#+' : '@+'} must be followed by the end or something it cannot match`;
    }
  }
  return parts;
}

export function ticketPatternProblem(pattern: string): string | null {
  const parsed = parseTicketPattern(pattern);
  return typeof parsed === 'string' ? parsed : null;
}

/** A matcher of whole references; throws on a pattern that `ticketPatternProblem` refuses. */
export function compileTicketPattern(pattern: string): TicketMatcher {
  const parts = parseTicketPattern(pattern);
  if (typeof parts === 'string') throw new Error(parts);
  return (reference) => {
    if (reference.length > MAX_TICKET_LENGTH) return false;
    let at = 0;
    for (const part of parts) {
      if (at >= reference.length || !partMatches(part, reference[at]!)) return false;
      at++;
      if (part.kind !== 'literal' && part.repeat) {
        while (at < reference.length && partMatches(part, reference[at]!)) at++;
      }
    }
    return at === reference.length;
  };
}

export function viewPolicyProblems(policy: ViewPolicy): string[] {
  const problems: string[] = [];
  for (const field of ['approvalMinutes', 'viewMinutes'] as const) {
    const value = policy[field];
    if (!Number.isInteger(value) || value < 1 || value > MAX_WINDOW_MINUTES) {
      problems.push(`${field} must be an integer from 1 to ${MAX_WINDOW_MINUTES}`);
    }
  }
  if (policy.ticketPattern !== null) {
    const problem = ticketPatternProblem(policy.ticketPattern);
    if (problem !== null) problems.push(problem);
  }
  return problems;
}

/** The policy of a domain, its default when the domain was stored before view policies. */
export const viewPolicyOf = (domain: { viewPolicy?: ViewPolicy } | null): ViewPolicy =>
  domain?.viewPolicy ?? DEFAULT_VIEW_POLICY;

/** What an administrator gives before a view: their words, and a ticket reference. */
export interface AccessReason {
  reason?: string;
  ticket?: string;
}

/** Why a reason does not satisfy a domain's policy; null when it does. */
export type ReasonRefusal =
  { code: 'REASON_REQUIRED'; message: string } | { code: 'TICKET_INVALID'; message: string };

export function reasonRefusal(
  policy: ViewPolicy,
  given: AccessReason,
  purpose: 'view' | 'request',
): ReasonRefusal | null {
  const needsReason = policy.reasonRequired || policy.dualControl || purpose === 'request';
  if (needsReason && (given.reason === undefined || given.reason.trim() === '')) {
    return {
      code: 'REASON_REQUIRED',
      message: `This security domain asks for a reason (${MIN_REASON_LENGTH} to ${MAX_REASON_LENGTH} characters) before a code is read`,
    };
  }
  if (policy.ticketPattern !== null) {
    const matches = given.ticket !== undefined && compileTicketPattern(policy.ticketPattern)(given.ticket);
    if (!matches) {
      return {
        code: 'TICKET_INVALID',
        message: `This security domain asks for a ticket reference of the form ${policy.ticketPattern}`,
      };
    }
  }
  return null;
}
