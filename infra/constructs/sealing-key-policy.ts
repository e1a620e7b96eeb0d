/**
 * The key policy of the sealing key: the same statements on the multi-region primary key and on each
 * replica key (each for its own region). It says who may use the key for what:
 *
 * - Key administration (describe, policy, rotation, aliases, tags, deletion scheduling, replication) for
 *   the account, delegated to IAM. No cryptographic operation and no CreateGrant: a grant would bypass
 *   the encryption-context conditions below.
 * - DynamoDB, for the table's encryption at rest: the cryptographic operations and grants DynamoDB needs,
 *   only through DynamoDB in this region (`kms:ViaService`) and for callers in this account: the
 *   pattern AWS documents for tables encrypted with a customer managed key. Restores of backups to a new
 *   table name keep working, which a table-name condition would prevent.
 * - Sealing: kms:Encrypt and kms:Decrypt, one statement per purpose and operation, only for the execution
 *   roles of the functions declared to seal or open that purpose (by `aws:PrincipalArn`), and only with
 *   an encryption context made of exactly `purpose`, `serial` and `generation`.
 *
 * Nobody else can decrypt a sealed code or seed, account administrators included, short of changing this
 * policy (PutKeyPolicy, recorded by CloudTrail).
 */
import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { SealingPurpose } from '../../shared/ports/sealer';
import { SEALING_PURPOSES, type FunctionSpec } from '../function-catalog';
import { functionRoleArn } from '../names';

/** The encryption context keys of a sealed secret (shared/ports/sealer.ts encryptionContextOf). */
export const ENCRYPTION_CONTEXT_KEYS = ['purpose', 'serial', 'generation'] as const;

export const KEY_ADMINISTRATION_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:UpdateKeyDescription',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RevokeGrant',
  'kms:RetireGrant',
  'kms:ReplicateKey',
  'kms:UpdatePrimaryRegion',
];

const DYNAMODB_CRYPTO_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:DescribeKey',
];

/** The execution roles allowed to open and to seal, per purpose. */
/** The account administers a key (never uses it): the first statement of every key policy here. */
export function keyAdministrationStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'KeyAdministration',
    principals: [new iam.AccountRootPrincipal()],
    actions: KEY_ADMINISTRATION_ACTIONS,
    resources: ['*'],
  });
}

export interface SealingPrincipals {
  opens: Record<SealingPurpose, string[]>;
  seals: Record<SealingPurpose, string[]>;
}

/** Who may open and seal what in the key's region (its stack's), from the functions' declared access. */
export function sealingPrincipalsOf(
  functions: readonly FunctionSpec[],
  namePrefix: string,
  keyStack: Stack,
): SealingPrincipals {
  const empty = () =>
    Object.fromEntries(SEALING_PURPOSES.map((p) => [p, [] as string[]])) as Record<SealingPurpose, string[]>;
  const principals: SealingPrincipals = { opens: empty(), seals: empty() };
  for (const spec of functions) {
    const roleArn = functionRoleArn(keyStack, namePrefix, spec.name);
    for (const purpose of spec.access.opens) principals.opens[purpose].push(roleArn);
    for (const purpose of spec.access.seals) principals.seals[purpose].push(roleArn);
  }
  return principals;
}

/** The conditions every sealing call must meet, for the IAM policies and the key policy alike. */
export function sealingContextConditions(purposes: readonly SealingPurpose[]): Record<string, unknown> {
  return {
    StringEquals: { 'kms:EncryptionContext:purpose': [...purposes] },
    'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...ENCRYPTION_CONTEXT_KEYS] },
    Null: { 'kms:EncryptionContext:serial': 'false', 'kms:EncryptionContext:generation': 'false' },
  };
}

const statementId = (verb: 'Open' | 'Seal', purpose: SealingPurpose) =>
  `${verb}${purpose
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}`;

export function sealingKeyPolicy(keyStack: Stack, principals: SealingPrincipals): iam.PolicyDocument {
  const region = keyStack.region;
  const account = new iam.AccountRootPrincipal();
  const statements = [
    keyAdministrationStatement(),
    new iam.PolicyStatement({
      sid: 'TableEncryptionThroughDynamoDB',
      principals: [new iam.AnyPrincipal()],
      actions: DYNAMODB_CRYPTO_ACTIONS,
      resources: ['*'],
      conditions: {
        StringEquals: {
          'kms:CallerAccount': keyStack.account,
          'kms:ViaService': `dynamodb.${region}.amazonaws.com`,
        },
      },
    }),
    new iam.PolicyStatement({
      sid: 'TableGrantsThroughDynamoDB',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        StringEquals: {
          'kms:CallerAccount': keyStack.account,
          'kms:ViaService': `dynamodb.${region}.amazonaws.com`,
        },
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'DynamoDBReadsKeyMetadata',
      principals: [new iam.ServicePrincipal('dynamodb.amazonaws.com')],
      actions: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListGrants'],
      resources: ['*'],
    }),
  ];
  for (const [verb, action, byPurpose] of [
    ['Open', 'kms:Decrypt', principals.opens],
    ['Seal', 'kms:Encrypt', principals.seals],
  ] as const) {
    for (const purpose of SEALING_PURPOSES) {
      const roleArns = byPurpose[purpose];
      if (roleArns.length === 0) continue;
      statements.push(
        new iam.PolicyStatement({
          sid: statementId(verb, purpose),
          principals: [account],
          actions: [action],
          resources: ['*'],
          conditions: {
            ...sealingContextConditions([purpose]),
            ArnEquals: { 'aws:PrincipalArn': roleArns },
          },
        }),
      );
    }
  }
  return new iam.PolicyDocument({ statements });
}
