import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Keys whose values never reach a log line, whatever object they sit in. Redaction is configuration
 * of the logger (its JSON replacer), not a habit of each call site.
 */
export const REDACTED_KEYS = new Set(
  [
    'passcode',
    'pin',
    'tokencode',
    'code',
    'seed',
    'secret',
    'plaintext',
    'authorization',
    'cookie',
    'body',
    'client_secret',
    'access_token',
    'verifier',
    'sealedCode',
    'sealedSeed',
    'pinVerifier',
    'offlineData',
  ].map((key) => key.toLowerCase()),
);

export function redactSecrets(key: string, value: unknown): unknown {
  return REDACTED_KEYS.has(key.toLowerCase()) && value !== null && value !== undefined ? '[REDACTED]' : value;
}

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'emergency-access',
  jsonReplacerFn: redactSecrets,
});
