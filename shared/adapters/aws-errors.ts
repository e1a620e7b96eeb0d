/** Whether an AWS SDK error means "the service did not answer properly; the same call may work later". */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    name?: string;
    code?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const transientNames = [
    'TimeoutError',
    'RequestTimeout',
    'RequestTimeoutException',
    'ThrottlingException',
    'Throttling',
    'ProvisionedThroughputExceededException',
    'RequestLimitExceeded',
    'InternalServerError',
    'ServiceUnavailable',
    'ServiceUnavailableException',
  ];
  if (e.name !== undefined && transientNames.includes(e.name)) return true;
  const networkCodes = [
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EHOSTUNREACH',
  ];
  return (
    (e.code !== undefined && networkCodes.includes(e.code)) ||
    (e.name !== undefined && networkCodes.includes(e.name))
  );
}
