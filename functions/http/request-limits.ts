/**
 * What the API takes from a request before any route looks at it. The functions enforce the body limit
 * themselves: API Gateway's own ceiling for an HTTP API (10 MB, a quota that cannot be lowered) is far
 * above it, so a deployed function sees every body up to that ceiling, and the local gateway passes the
 * same bodies through so that the function answers as it would deployed.
 */
import { AppError } from '../../shared/domain/errors';

/** The largest request body, in bytes (no request of the contract comes near it). */
export const MAX_BODY_BYTES = 256 * 1024;

/** An HTTP API's own payload quota: above it API Gateway answers itself, and the function never runs. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export const payloadTooLarge = () =>
  new AppError(
    'PAYLOAD_TOO_LARGE',
    `The body is larger than the limit of ${MAX_BODY_BYTES} bytes (${MAX_BODY_BYTES / 1024} KB)`,
  );

/** The body's size in bytes as the client sent it (API Gateway base64-encodes a binary body). */
export function bodyBytes(body: string, isBase64Encoded: boolean): number {
  return isBase64Encoded ? Buffer.from(body, 'base64').length : Buffer.byteLength(body, 'utf8');
}
