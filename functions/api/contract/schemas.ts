import * as z from 'zod/mini';
import '../../../shared/zod-messages';
import { INELIGIBILITY_REASONS } from '../../../shared/domain/eligibility';
import { nameProblem } from '../../../shared/domain/names';

/**
 * The building blocks of every route's schema. Strings are bounded, objects are strict (an unknown field
 * is an error), and query strings are parsed from text.
 */
export const serial = z.string().check(z.regex(/^[A-Za-z0-9]{1,32}$/, 'a serial is 1-32 letters and digits'));
export const userId = z
  .string()
  .check(z.regex(/^[A-Za-z0-9._@+-]{1,128}$/, 'a user id is 1-128 of A-Z a-z 0-9 . _ @ + -'));
export const domainId = z
  .string()
  .check(z.regex(/^[A-Za-z0-9._-]{1,64}$/, 'a domain id is 1-64 of A-Z a-z 0-9 . _ -'));
export const agentId = domainId;
/** 1-64 characters, and bounded once normalised (shared/domain/names.ts): a 400, never a key too long. */
export const personName = z.string().check(
  z.trim(),
  z.minLength(1),
  z.maxLength(64),
  z.superRefine((name, context) => {
    const problem = nameProblem(name);
    if (problem !== null) context.addIssue({ code: 'custom', message: `the name ${problem}` });
  }),
);
export const isoTime = z.iso.datetime();
export const cursor = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,2048}$/, 'not a cursor'));

/** The page size when a page query gives no `limit`. */
export const DEFAULT_PAGE_SIZE = 25;

/** `limit` as a query string: 1 to 100, DEFAULT_PAGE_SIZE when absent. */
export const limit = z.pipe(
  z.pipe(
    z.string().check(z.regex(/^[0-9]{1,3}$/, 'limit is a whole number from 1 to 100')),
    z.transform(Number),
  ),
  z.int().check(z.gte(1), z.lte(100)),
);

export const serialParams = z.strictObject({ serial });

export const pageQuery = z.strictObject({ limit: z.optional(limit), cursor: z.optional(cursor) });

export const offlineState = z.enum(['none', 'active', 'expired']);

export const userRef = z.object({ userId: z.string(), firstName: z.string(), lastName: z.string() });

export const tokenSummary = z
  .object({
    serial: z.string(),
    kind: z.enum(['securid', 'authenticate']),
    enabled: z.boolean(),
    user: z.nullable(userRef),
    securityDomain: z.string(),
    offlineEmergencyAccess: z.object({ state: offlineState, expiresAt: z.nullable(isoTime) }),
  })
  .register(z.globalRegistry, { id: 'TokenSummary' });

export const tokenDetails = z
  .extend(tokenSummary, {
    lockout: z.object({
      emergencyAccessFailures: z.int(),
      tokencodeFailures: z.int(),
      locked: z.boolean(),
    }),
    lastOnlineAuthenticationAt: z.nullable(isoTime),
  })
  .register(z.globalRegistry, { id: 'TokenDetails' });

export const ineligibilityReason = z.enum(INELIGIBILITY_REASONS);

export const emergencyAccessPage = z
  .object({
    serial: z.string(),
    offline: z.object({
      tokencode: z.nullable(z.string()),
      expiresAt: z.nullable(isoTime),
      state: offlineState,
      generation: z.int().check(z.gte(0)),
      resetPending: z.boolean(),
      onlineUseAllowed: z.boolean(),
      usedAt: z
        .nullable(isoTime)
        .check(
          z.describe(
            'when a single-use code was spent (then not shown); the next comes at the next online login',
          ),
        ),
    }),
    eligibility: z.object({ eligible: z.boolean(), reasons: z.array(ineligibilityReason) }),
  })
  .register(z.globalRegistry, { id: 'EmergencyAccessPage' });

export const auditEvent = z
  .object({
    at: isoTime,
    action: z.string(),
    actor: z.string(),
    region: z.string(),
    outcome: z.enum(['success', 'denied', 'failure']),
    requestId: z.string(),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .register(z.globalRegistry, { id: 'AuditEvent' });

export const errorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      reasons: z.array(z.string()),
      requestId: z.string(),
    }),
  })
  .register(z.globalRegistry, { id: 'Error' });

export const pageOf = <T extends z.ZodMiniType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.nullable(z.string()) });

/**
 * What an administrator gives before a view (docs/api.md "A reason before a view"): not secret, but
 * bounded and plain (no control characters), as it is audited and shown to approvers.
 */
export const accessReason = z.string().check(
  z.trim(),
  z.minLength(5, 'a reason is 5 to 500 characters'),
  z.maxLength(500, 'a reason is 5 to 500 characters'),
  // eslint-disable-next-line no-control-regex -- the control characters are what it refuses
  z.regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'a reason has no control characters'),
);
export const ticketReference = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_./:-]{1,64}$/, 'a ticket reference is 1-64 of A-Z a-z 0-9 _ . / : -'));
export const viewRequestId = z
  .string()
  .check(z.regex(/^[0-9a-f]{32}$/, 'a view request id is 32 hex digits'));
