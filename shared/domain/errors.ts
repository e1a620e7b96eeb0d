/**
 * The one error type of the product, carrying the contract's error code. The core knows no HTTP: the
 * edge alone turns a code into a status (functions/api/contract/statuses.ts).
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  /** The domain's policy wants a second administrator's approval before this view (view-request.ts). */
  'APPROVAL_REQUIRED',
  'NOT_FOUND',
  'PRECONDITION_NOT_MET',
  'ETAG_MISMATCH',
  'PAYLOAD_TOO_LARGE',
  /** Well-formed, but the domain's view policy asks for a reason, or a ticket of its pattern. */
  'REASON_REQUIRED',
  'TICKET_INVALID',
  'IF_MATCH_REQUIRED',
  'THROTTLED',
  'INTERNAL',
  'DEPENDENCY_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorOptions {
  reasons?: readonly string[];
  /** True when the same call may succeed if tried again (a dependency was down, a race was lost). */
  retryable?: boolean;
  cause?: unknown;
}

/** Marks AppErrors so that they are recognised across copies of this module (bundles, test registries). */
const APP_ERROR = Symbol.for('emergency-access.AppError');

export function isAppError(error: unknown): error is AppError {
  return (
    typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[APP_ERROR] === true
  );
}

export class AppError extends Error {
  readonly [APP_ERROR] = true;
  readonly code: ErrorCode;
  readonly reasons: readonly string[];
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.reasons = options.reasons ?? [];
    this.retryable = options.retryable ?? false;
  }
}

/** A conditional write lost to a concurrent writer: the item is not at the version the caller read. */
export class ConflictError extends AppError {
  constructor(message = 'The item changed since it was read', options: AppErrorOptions = {}) {
    super('ETAG_MISMATCH', message, { retryable: true, ...options });
  }
}

/** A lost race on a conditional write. Not `instanceof`: the error may come from another copy of the module. */
export const isConflict = (error: unknown): boolean => isAppError(error) && error.code === 'ETAG_MISMATCH';

/** A store or key service did not answer; the caller may retry. Never carries the dependency's own text. */
export class DependencyUnavailableError extends AppError {
  constructor(dependency: string, options: AppErrorOptions = {}) {
    super('DEPENDENCY_UNAVAILABLE', `${dependency} is unavailable`, { retryable: true, ...options });
  }
}

export class NotFoundError extends AppError {
  constructor(what = 'Not found') {
    super('NOT_FOUND', what);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, reasons: readonly string[] = []) {
    super('VALIDATION_FAILED', message, { reasons });
  }
}

export class PreconditionError extends AppError {
  constructor(reasons: readonly string[]) {
    super('PRECONDITION_NOT_MET', 'The token is not eligible for an offline emergency access tokencode', {
      reasons,
    });
  }
}

/** A sealed secret did not open under the context given: tampered, or bound to another token or generation. */
export class SealedSecretRejectedError extends AppError {
  constructor(options: AppErrorOptions = {}) {
    super('INTERNAL', 'A sealed secret could not be opened', { retryable: false, ...options });
  }
}

/** A client over its request budget, with the seconds after which it may try again. */
export class ThrottledError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('THROTTLED', message, { retryable: true });
  }
}
