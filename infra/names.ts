/**
 * The physical names of what the app deploys, in one place. Stacks, functions, roles and aliases carry
 * the deployment's name prefix; IAM role names also carry the region, as IAM is global.
 *
 * A stack must be deletable and deployable again in the same region (docs/deploy.md, "Regions that can be
 * lost and rebuilt"). So a name that outlives its stack (a retained log group) or is held for a while after
 * deletion (an SQS queue's name for 60 seconds, a schedule group while its schedules go) ends with
 * `stackInstanceId`, which each creation of the stack draws anew; names of what is deleted with the stack
 * and free at once (functions, roles) stay plain.
 *
 * The stacks that own a region's key, the table and the Cognito pool are named by the region they own
 * it in, which the context pins (`sealingKeyRegion`, `primaryRegion`, `identityRegion`): moving the primary
 * region renames no key stack, so no key or alias is made twice.
 */
import { Arn, Fn, type Stack } from 'aws-cdk-lib';
import type { DeploymentConfig } from './config';

export interface StackNames {
  sealingKey: string;
  sealingKeyReplica: (region: string) => string;
  tokenTable: string;
  identity: string;
  regionalApi: (region: string) => string;
}

export function stackNames(
  config: Pick<DeploymentConfig, 'namePrefix' | 'primaryRegion' | 'sealingKeyRegion' | 'identityRegion'>,
): StackNames {
  const p = config.namePrefix;
  return {
    sealingKey: `${p}-sealing-key-${config.sealingKeyRegion}`,
    sealingKeyReplica: (region) => `${p}-sealing-key-replica-${region}`,
    tokenTable: `${p}-token-table-${config.primaryRegion}`,
    identity: `${p}-identity-${config.identityRegion}`,
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

/** The alias of the pepper key (the HMAC key that peppers code verifiers), in every region. */
export const pepperKeyAlias = (namePrefix: string) => `alias/${namePrefix}-pepper-key`;

/**
 * The first 8 hex digits of the stack's id (`arn:...:stack/<name>/<uuid>`): fixed for the life of the
 * stack, new each time the stack is created. A CloudFormation token, resolved at deploy time.
 */
export function stackInstanceId(stack: Stack): string {
  return Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', stack.stackId))));
}

/** `<base><separator><stackInstanceId>`: a name the re-created stack owns afresh. */
export function perStackInstanceName(stack: Stack, base: string, separator: '/' | '-'): string {
  return `${base}${separator}${stackInstanceId(stack)}`;
}

/** `arn:aws:kms:<region>:<account>:key/<mrk id>`: a multi-region key has one id in every region. */
export function keyArnIn(stack: Stack, region: string, keyId: string): string {
  return Arn.format({ service: 'kms', region, resource: 'key', resourceName: keyId }, stack);
}
