/**
 * The sealing key: a KMS multi-region key created in `sealingKeyRegion` (SealingKeyStack, by default the
 * first primary region) and replicated into every other region (SealingKeyReplicaStack, one per region).
 * Each stack is named by its own region and keeps its key whatever the primary region becomes: KMS may
 * make any replica the primary (UpdatePrimaryRegion) without a change to these stacks. All share one key id (`mrk-...`)
 * and key material, so a code sealed in one region opens in any other with that region's own key, with
 * no cross-region call. The same key encrypts the token table at rest (each replica table with its
 * region's key). Stateful: retained on stack deletion, with a 30-day deletion window.
 *
 * The same stacks hold the pepper key: a multi-region HMAC key (HMAC_256, GENERATE_VERIFY_MAC) made in the
 * same region, replicated the same way, under which the verifiers of emergency codes and PINs are peppered
 * (kms:GenerateMac, shared/adapters/pepper/kms-pepper.ts). HMAC keys have no automatic rotation in KMS;
 * a new key would leave every stored verifier unmatched (each names the key that peppered it), so it is
 * kept for the life of the deployment, retained like the sealing key.
 *
 * The replica stacks need the primary keys' ARNs, which exist only once the primaries are created: they
 * reach them as cross-region references (CloudFormation `Fn::GetStackOutput`, see docs/deploy.md).
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { pepperKeyAlias, sealingKeyAlias } from '../names';
import { pepperKeyPolicy, pepperPrincipalsOf } from '../constructs/pepper-key-policy';
import { sealingKeyPolicy, sealingPrincipalsOf } from '../constructs/sealing-key-policy';
import type { FunctionSpec } from '../function-catalog';

const KEY_DESCRIPTION =
  'Emergency access tokencodes: seals offline codes and TOTP seeds (encryption context purpose, serial, ' +
  'generation) and encrypts the token table';

const PEPPER_KEY_DESCRIPTION =
  'Emergency access tokencodes: peppers the verifiers of emergency codes (GenerateMac, HMAC_SHA_256)';

export interface SealingKeyStackProps extends StackProps {
  namePrefix: string;
  /** The functions of this region: the key policy names the roles of those that open or seal. */
  functions: readonly FunctionSpec[];
}

export class SealingKeyStack extends Stack {
  readonly key: kms.CfnKey;
  /** The primary key's ARN (`arn:...:key/mrk-...`). */
  readonly keyArn: string;
  /** The key id, `mrk-...`: the same in every region. */
  readonly keyId: string;
  readonly pepperKey: kms.CfnKey;
  /** The primary pepper key's ARN. */
  readonly pepperKeyArn: string;

  constructor(scope: Construct, id: string, props: SealingKeyStackProps) {
    super(scope, id, props);
    this.key = new kms.CfnKey(this, 'SealingKey', {
      description: `${KEY_DESCRIPTION} (multi-region primary)`,
      multiRegion: true,
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      enabled: true,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      pendingWindowInDays: 30,
      keyPolicy: sealingKeyPolicy(this, sealingPrincipalsOf(props.functions, props.namePrefix, this)),
    });
    this.key.applyRemovalPolicy(RemovalPolicy.RETAIN);
    new kms.CfnAlias(this, 'SealingKeyAlias', {
      aliasName: sealingKeyAlias(props.namePrefix),
      targetKeyId: this.key.ref,
    });
    this.keyArn = this.key.attrArn;
    this.keyId = this.key.ref;
    new CfnOutput(this, 'SealingKeyArn', { value: this.keyArn, description: 'The primary sealing key' });

    this.pepperKey = new kms.CfnKey(this, 'PepperKey', {
      description: `${PEPPER_KEY_DESCRIPTION} (multi-region primary)`,
      multiRegion: true,
      keySpec: 'HMAC_256',
      keyUsage: 'GENERATE_VERIFY_MAC',
      enabled: true,
      pendingWindowInDays: 30,
      keyPolicy: pepperKeyPolicy(pepperPrincipalsOf(props.functions, props.namePrefix, this)),
    });
    this.pepperKey.applyRemovalPolicy(RemovalPolicy.RETAIN);
    new kms.CfnAlias(this, 'PepperKeyAlias', {
      aliasName: pepperKeyAlias(props.namePrefix),
      targetKeyId: this.pepperKey.ref,
    });
    this.pepperKeyArn = this.pepperKey.attrArn;
    new CfnOutput(this, 'PepperKeyArn', { value: this.pepperKeyArn, description: 'The primary pepper key' });
  }
}

export interface SealingKeyReplicaStackProps extends StackProps {
  namePrefix: string;
  /**
   * The ARN of the key this replica is made from, in `sealingKeyRegion`: from SealingKeyStack (a
   * cross-region reference) until `sealingKeyId` is known, then literal. Create-only in CloudFormation,
   * so it stays that ARN even once KMS has made another region the primary.
   */
  primaryKeyArn: string;
  /** The ARN of the pepper key this replica's pepper key is made from, as `primaryKeyArn` is. */
  primaryPepperKeyArn: string;
  functions: readonly FunctionSpec[];
}

export class SealingKeyReplicaStack extends Stack {
  readonly replicaKey: kms.CfnReplicaKey;
  /** This region's replica key ARN: the primary's ARN with this region in it. */
  readonly keyArn: string;
  /** The key id, `mrk-...`: the same in every region. */
  readonly keyId: string;
  readonly pepperReplicaKey: kms.CfnReplicaKey;
  /** This region's replica pepper key ARN. */
  readonly pepperKeyArn: string;

  constructor(scope: Construct, id: string, props: SealingKeyReplicaStackProps) {
    super(scope, id, props);
    this.replicaKey = new kms.CfnReplicaKey(this, 'SealingKeyReplica', {
      description: `${KEY_DESCRIPTION} (replica in ${this.region})`,
      primaryKeyArn: props.primaryKeyArn,
      enabled: true,
      pendingWindowInDays: 30,
      keyPolicy: sealingKeyPolicy(this, sealingPrincipalsOf(props.functions, props.namePrefix, this)),
    });
    this.replicaKey.applyRemovalPolicy(RemovalPolicy.RETAIN);
    new kms.CfnAlias(this, 'SealingKeyAlias', {
      aliasName: sealingKeyAlias(props.namePrefix),
      targetKeyId: this.replicaKey.attrKeyId,
    });
    this.keyArn = this.replicaKey.attrArn;
    this.keyId = this.replicaKey.attrKeyId;
    new CfnOutput(this, 'SealingKeyArn', {
      value: this.keyArn,
      description: `The sealing key in ${this.region}`,
    });

    this.pepperReplicaKey = new kms.CfnReplicaKey(this, 'PepperKeyReplica', {
      description: `${PEPPER_KEY_DESCRIPTION} (replica in ${this.region})`,
      primaryKeyArn: props.primaryPepperKeyArn,
      enabled: true,
      pendingWindowInDays: 30,
      keyPolicy: pepperKeyPolicy(pepperPrincipalsOf(props.functions, props.namePrefix, this)),
    });
    this.pepperReplicaKey.applyRemovalPolicy(RemovalPolicy.RETAIN);
    new kms.CfnAlias(this, 'PepperKeyAlias', {
      aliasName: pepperKeyAlias(props.namePrefix),
      targetKeyId: this.pepperReplicaKey.attrKeyId,
    });
    this.pepperKeyArn = this.pepperReplicaKey.attrArn;
    new CfnOutput(this, 'PepperKeyArn', {
      value: this.pepperKeyArn,
      description: `The pepper key in ${this.region}`,
    });
  }
}
