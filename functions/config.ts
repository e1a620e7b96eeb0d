import { dirname, join } from 'node:path';
import { getNumberFromEnv, getStringFromEnv } from '@aws-lambda-powertools/commons/utils/env';

/**
 * The functions' configuration, read once at cold start from the environment. A missing or malformed
 * value stops the cold start with a message naming the variable, rather than failing a request later.
 */
export interface FunctionConfig {
  tableName: string;
  /** The region name written into audit events (the AWS region, or `local-primary` locally). */
  regionName: string;
  sealer: { kind: 'kms'; keyArn: string } | { kind: 'local'; keyFile: string };
  /**
   * With KMS: the region's HMAC key (`PEPPER_KEY_ARN`); undefined until the deployment provides one, and
   * then issuing or checking an emergency code fails closed (503) while everything else works. Locally: a
   * key file next to the sealing key's.
   */
  pepper: { kind: 'kms'; keyArn: string | undefined } | { kind: 'local'; keyFile: string };
  /**
   * The audit export's signing key: with KMS, an asymmetric key (`AUDIT_SIGNING_KEY_ARN`, given to the
   * export function only; without it the export fails closed); locally, a key pair file next to the
   * sealing key's.
   */
  auditSigner: { kind: 'kms'; keyArn: string | undefined } | { kind: 'local'; keyFile: string };
  /** Only for the local system and tests: DynamoDB Local's address. */
  dynamoDbEndpoint: string | undefined;
  /** Only for tests against a KMS-compatible server. */
  kmsEndpoint: string | undefined;
  maxEmergencyCodeLifetimeDays: number;
  /** The agent API's requests per client, per region and minute (AGENT_REQUESTS_PER_MINUTE). */
  agentRequestsPerMinute: number;
}

function optional(key: string): string | undefined {
  const value = process.env[key]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function loadConfig(): FunctionConfig {
  const sealerKind = getStringFromEnv({ key: 'SEALER', defaultValue: 'kms' });
  if (sealerKind !== 'kms' && sealerKind !== 'local') throw new Error('SEALER must be kms or local');
  const maxLifetime = getNumberFromEnv({ key: 'MAX_EAT_LIFETIME_DAYS', defaultValue: 90 });
  if (!Number.isInteger(maxLifetime) || maxLifetime < 1 || maxLifetime > 365) {
    throw new Error('MAX_EAT_LIFETIME_DAYS must be an integer from 1 to 365');
  }
  const localKeyFile = () =>
    getStringFromEnv({ key: 'LOCAL_KEY_FILE', errorMessage: 'LOCAL_KEY_FILE is required' });
  const agentRequestsPerMinute = getNumberFromEnv({ key: 'AGENT_REQUESTS_PER_MINUTE', defaultValue: 600 });
  if (!Number.isInteger(agentRequestsPerMinute) || agentRequestsPerMinute < 1) {
    throw new Error('AGENT_REQUESTS_PER_MINUTE must be a whole number from 1');
  }
  return {
    agentRequestsPerMinute,
    tableName: getStringFromEnv({ key: 'TABLE_NAME', errorMessage: 'TABLE_NAME is required' }),
    regionName:
      optional('REGION_NAME') ??
      getStringFromEnv({ key: 'AWS_REGION', errorMessage: 'AWS_REGION is required' }),
    sealer:
      sealerKind === 'kms'
        ? {
            kind: 'kms',
            keyArn: getStringFromEnv({ key: 'KMS_KEY_ARN', errorMessage: 'KMS_KEY_ARN is required' }),
          }
        : { kind: 'local', keyFile: localKeyFile() },
    pepper:
      sealerKind === 'kms'
        ? { kind: 'kms', keyArn: optional('PEPPER_KEY_ARN') }
        : {
            kind: 'local',
            keyFile: optional('LOCAL_PEPPER_KEY_FILE') ?? join(dirname(localKeyFile()), 'pepper.key'),
          },
    auditSigner:
      sealerKind === 'kms'
        ? { kind: 'kms', keyArn: optional('AUDIT_SIGNING_KEY_ARN') }
        : {
            kind: 'local',
            keyFile:
              optional('LOCAL_AUDIT_SIGNING_KEY_FILE') ??
              join(dirname(localKeyFile()), 'audit-signing-key.pem'),
          },
    dynamoDbEndpoint: optional('DYNAMODB_ENDPOINT'),
    kmsEndpoint: optional('KMS_ENDPOINT'),
    maxEmergencyCodeLifetimeDays: maxLifetime,
  };
}
