/**
 * The token table: one DynamoDB global table (TableV2) in the primary region with a replica in each replica
 * region, built from shared/adapters/dynamodb/table-schema.ts (keys, indexes, TTL attribute), encrypted
 * at rest with the sealing key of each region, with point-in-time recovery and deletion protection on
 * every replica. Stateful: retained on stack deletion.
 *
 * The table's home (the region of this stack) is the primary region; moving it is an import into the new
 * primary's stack (docs/deploy.md, "A planned move of the primary region"). The replica tables need their region's
 * key to exist first, so this stack depends on the key stacks. Their ARNs are known without a reference to
 * them: a multi-region key has the same key id in every region.
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { keyArnIn } from '../names';
import {
  INDEXES,
  KEY,
  TTL_ATTRIBUTE,
  type IndexDefinition,
} from '../../shared/adapters/dynamodb/table-schema';

export interface TokenTableStackProps extends StackProps {
  tableName: string;
  replicaRegions: string[];
  /** The sealing key's id (`mrk-...`, the same in every region): context, or a key stack's output. */
  sealingKeyId: string;
  multiRegionStrongConsistency: boolean;
}

/** PITR keeps the longest window DynamoDB offers. */
export const PITR_RECOVERY_DAYS = 35;

function globalSecondaryIndexOf(index: IndexDefinition): dynamodb.GlobalSecondaryIndexPropsV2 {
  const keys = {
    indexName: index.name,
    partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
  };
  if (index.projection === 'ALL') return { ...keys, projectionType: dynamodb.ProjectionType.ALL };
  if (index.projection === 'KEYS_ONLY') return { ...keys, projectionType: dynamodb.ProjectionType.KEYS_ONLY };
  return {
    ...keys,
    projectionType: dynamodb.ProjectionType.INCLUDE,
    nonKeyAttributes: [...index.projection],
  };
}

export class TokenTableStack extends Stack {
  readonly table: dynamodb.TableV2;
  readonly tableName: string;

  constructor(scope: Construct, id: string, props: TokenTableStackProps) {
    super(scope, id, props);
    const tableKey = kms.Key.fromKeyArn(this, 'SealingKey', keyArnIn(this, this.region, props.sealingKeyId));
    const replicaKeyArns = Object.fromEntries(
      props.replicaRegions.map((region) => [region, keyArnIn(this, region, props.sealingKeyId)]),
    );
    const pitr = {
      pointInTimeRecoveryEnabled: true,
      recoveryPeriodInDays: PITR_RECOVERY_DAYS,
    };

    this.table = new dynamodb.TableV2(this, 'TokenTable', {
      tableName: props.tableName,
      partitionKey: { name: KEY.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: KEY.sort, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      globalSecondaryIndexes: INDEXES.map(globalSecondaryIndexOf),
      // Multi-region strong consistency tables have no TTL: audit events then stay.
      timeToLiveAttribute: props.multiRegionStrongConsistency ? undefined : TTL_ATTRIBUTE,
      multiRegionConsistency: props.multiRegionStrongConsistency
        ? dynamodb.MultiRegionConsistency.STRONG
        : dynamodb.MultiRegionConsistency.EVENTUAL,
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(tableKey, replicaKeyArns),
      pointInTimeRecoverySpecification: pitr,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // Global tables stream every change; the audit archive reads the primary region's stream.
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      replicas: props.replicaRegions.map((region) => ({
        region,
        deletionProtection: true,
        pointInTimeRecoverySpecification: pitr,
      })),
    });
    this.tableName = props.tableName;
    new CfnOutput(this, 'TokenTableName', { value: this.table.tableName, description: 'The global table' });
  }
}
