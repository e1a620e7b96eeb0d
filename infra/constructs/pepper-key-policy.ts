/**
 * The key policy of the pepper key (the multi-region HMAC key, on the primary and on each replica): key
 * administration for the account as the sealing key has it, and kms:GenerateMac with HMAC_SHA_256 only for
 * the execution roles of the functions declared to pepper (`peppers` in infra/function-catalog.ts, by
 * `aws:PrincipalArn`). Nothing else: no VerifyMac (a verifier is checked by computing the MAC again), no
 * grants, no DynamoDB. So a table backup's verifiers can be searched only by one of those roles, one
 * GenerateMac per guess, each recorded by CloudTrail.
 */
import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PEPPER_MAC_ALGORITHM } from '../../shared/adapters/pepper/kms-pepper';
import type { FunctionSpec } from '../function-catalog';
import { functionRoleArn } from '../names';
import { keyAdministrationStatement } from './sealing-key-policy';

/** The condition on every GenerateMac, in the IAM policies and the key policy alike. */
export const PEPPER_MAC_CONDITIONS = { StringEquals: { 'kms:MacAlgorithm': PEPPER_MAC_ALGORITHM } };

/** The execution roles (in the key's region) of the functions that pepper. */
export function pepperPrincipalsOf(
  functions: readonly FunctionSpec[],
  namePrefix: string,
  keyStack: Stack,
): string[] {
  return functions
    .filter((spec) => spec.access.peppers.length > 0)
    .map((spec) => functionRoleArn(keyStack, namePrefix, spec.name));
}

export function pepperKeyPolicy(roleArns: readonly string[]): iam.PolicyDocument {
  const account = new iam.AccountRootPrincipal();
  const statements = [keyAdministrationStatement()];
  if (roleArns.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'PepperSecrets',
        principals: [account],
        actions: ['kms:GenerateMac'],
        resources: ['*'],
        conditions: { ...PEPPER_MAC_CONDITIONS, ArnEquals: { 'aws:PrincipalArn': [...roleArns] } },
      }),
    );
  }
  return new iam.PolicyDocument({ statements });
}
