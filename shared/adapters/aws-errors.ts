/** How the adapters read AWS SDK errors: which mean "not answering now, try again later". */

export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

const SDK_WRAPPER_PREFIX = 'AWS SDK error wrapper for ';

/**
 * The socket error code of a failed connection, if that is what the error is. The SDK wraps an error
 * from another realm (Node's socket errors, under Jest) and keeps only its text, so the code is read
 * back from that text; the text itself is never kept.
 */
export function networkErrorCodeOf(error: unknown): string | undefined {
  if (error instanceof AggregateError) {
    return error.errors.map(networkErrorCodeOf).find((code) => code !== undefined);
  }
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  for (const candidate of [e.code, e.name]) {
    if (typeof candidate === 'string' && NETWORK_CODES.has(candidate)) return candidate;
  }
  if (typeof e.message === 'string' && e.message.startsWith(SDK_WRAPPER_PREFIX)) {
    const code = /\b(E[A-Z_]+)\b/.exec(e.message)?.[1];
    if (code !== undefined && NETWORK_CODES.has(code)) return code;
  }
  return undefined;
}

/** Whether an AWS SDK error means "the service did not answer properly; the same call may work later". */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    name?: string;
    $retryable?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (e.$retryable || e.$fault === 'server') return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (e.name !== undefined && TRANSIENT_NAMES.has(e.name)) return true;
  return networkErrorCodeOf(error) !== undefined;
}
