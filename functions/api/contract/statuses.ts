import type { ErrorCode } from '../../../shared/domain/errors';

/** The status the API answers each error code with: decided here, at the edge, and nowhere else. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  APPROVAL_REQUIRED: 403,
  NOT_FOUND: 404,
  PRECONDITION_NOT_MET: 409,
  ETAG_MISMATCH: 412,
  PAYLOAD_TOO_LARGE: 413,
  REASON_REQUIRED: 422,
  TICKET_INVALID: 422,
  IF_MATCH_REQUIRED: 428,
  THROTTLED: 429,
  INTERNAL: 500,
  DEPENDENCY_UNAVAILABLE: 503,
};

export const statusOf = (code: ErrorCode): number => ERROR_STATUS[code];
