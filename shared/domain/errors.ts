/**
 * The one error type of the product. Every status the API answers with is decided here, from the
 * contract's error code; nothing else maps errors to statuses.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  /** The domain's policy wants a second administrator's approval before this view (view-request.ts). */
  APPROVAL_REQUIRED: 403,
  NOT_FOUND: 404,
  PRECONDITION_NOT_MET: 409,
  ETAG_MISMATCH: 412,
  PAYLOAD_TOO_LARGE: 413,
  /** Well-formed, but the domain's view policy asks for a reason, or a ticket of its pattern. */
  REASON_REQUIRED: 422,
  TICKET_INVALID: 422,
  IF_MATCH_REQUIRED: 428,
  THROTTLED: 429,
  INTERNAL: 500,
  DEPENDENCY_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

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
  readonly status: number;
  readonly reasons: readonly string[];
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_STATUS[code];
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

/** A client over its request budget: 429, with the seconds after which it may try again (Retry-After). */
export class ThrottledError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('THROTTLED', message, { retryable: true });
  }
}
