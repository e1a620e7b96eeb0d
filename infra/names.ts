/**
 * The physical names of what the app deploys, in one place. Stacks, functions, roles and aliases carry
 * the deployment's name prefix; IAM role names also carry the region, as IAM is global.
 */
import { Arn, type Stack } from 'aws-cdk-lib';
import type { DeploymentConfig } from './config';

export interface StackNames {
  sealingKey: string;
  sealingKeyReplica: (region: string) => string;
  tokenTable: string;
  identity: string;
  regionalApi: (region: string) => string;
}

export function stackNames(config: Pick<DeploymentConfig, 'namePrefix' | 'primaryRegion'>): StackNames {
  const p = config.namePrefix;
  return {
    sealingKey: `${p}-sealing-key-${config.primaryRegion}`,
    sealingKeyReplica: (region) => `${p}-sealing-key-replica-${region}`,
    tokenTable: `${p}-token-table-${config.primaryRegion}`,
    identity: `${p}-identity-${config.primaryRegion}`,
    regionalApi: (region) => `${p}-api-${region}`,
  };
}

/** A Lambda function's name: unique within its region. */
export const functionName = (namePrefix: string, name: string) => `${namePrefix}-${name}`;

/** A function's execution role name: unique within the account, at most 64 characters. */
export function functionRoleName(namePrefix: string, name: string, region: string): string {
  const roleName = `${namePrefix}-${name}-${region}`;
  if (roleName.length > 64) {
    throw new Error(`role name ${roleName} is longer than IAM's 64 characters: shorten the name prefix`);
  }
  return roleName;
}

/**
 * The ARN of a function's execution role, known before the role exists: the sealing key policies name
 * these (as `aws:PrincipalArn` conditions, which KMS does not resolve when the policy is put).
 */
export function functionRoleArn(stack: Stack, namePrefix: string, name: string): string {
  return Arn.format(
    {
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: functionRoleName(namePrefix, name, stack.region),
    },
    stack,
  );
}

/** The alias of the sealing key (the primary, and the replica in each replica region). */
export const sealingKeyAlias = (namePrefix: string) => `alias/${namePrefix}-sealing-key`;
