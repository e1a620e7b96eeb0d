/**
 * The audit outbox's materializer in one region: a function (functions/audit-outbox.ts) fed by the region's
 * table stream, filtered to the writes whose new image carries an outbox, which appends each outbox event of
 * this region as an audit item. Its role can do nothing else: read the stream, and PutItem into `TOKEN#`
 * partitions an item made of an audit event's attributes only (`dynamodb:Attributes`), with no return
 * values; no read of any item, no update, no delete.
 *
 * A region's stream ARN carries a label known only once the replica exists, so it is looked up in the
 * region at deploy time (DescribeTable on this region's table, nothing else).
 */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { AUDIT_EVENT_ATTRIBUTES, AUDIT_OUTBOX_ATTRIBUTE } from '../../shared/adapters/dynamodb/keys';
import { KEY, TTL_ATTRIBUTE } from '../../shared/adapters/dynamodb/table-schema';
import type { ServiceFunction, TokenTableRef } from './service-function';

export const AUDIT_OUTBOX_FUNCTION = 'audit-outbox';

/** Every attribute an audit item may have: what the materializer's PutItem may name. */
export const AUDIT_ITEM_ATTRIBUTES: readonly string[] = [
  KEY.partition,
  KEY.sort,
  TTL_ATTRIBUTE,
  ...AUDIT_EVENT_ATTRIBUTES,
];

/** The stream filter: inserts and changes of items whose new image has an outbox. */
export const OUTBOX_FILTER = {
  eventName: ['INSERT', 'MODIFY'],
  dynamodb: { NewImage: { [AUDIT_OUTBOX_ATTRIBUTE]: { L: [{ exists: true }] } } },
};

export interface AuditOutboxMaterializerProps {
  materializer: ServiceFunction;
  table: TokenTableRef;
}

export class AuditOutboxMaterializer extends Construct {
  readonly streamArn: string;
  readonly eventSource: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: AuditOutboxMaterializerProps) {
    super(scope, id);
    const { materializer, table } = props;
    const lookup = new cr.AwsCustomResource(this, 'StreamArnLookup', {
      onUpdate: {
        service: 'DynamoDB',
        action: 'describeTable',
        parameters: { TableName: table.tableName },
        physicalResourceId: cr.PhysicalResourceId.of(`${table.tableName}-stream`),
        outputPaths: ['Table.LatestStreamArn'],
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [table.tableArn] }),
      installLatestAwsSdk: false,
    });
    this.streamArn = lookup.getResponseField('Table.LatestStreamArn');

    materializer.function.addEnvironment('TABLE_NAME', table.tableName);
    materializer.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AppendAuditItems',
        actions: ['dynamodb:PutItem'],
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TOKEN#*'] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...AUDIT_ITEM_ATTRIBUTES] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        },
      }),
    );
    materializer.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTableStream',
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [this.streamArn],
      }),
    );
    materializer.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListTableStreams',
        actions: ['dynamodb:ListStreams'],
        resources: [this.streamArn],
      }),
    );

    this.eventSource = new lambda.EventSourceMapping(this, 'TableStream', {
      target: materializer.function,
      eventSourceArn: this.streamArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      // Retried until the record leaves the stream (24 h); a failing batch is halved to find the record.
      bisectBatchOnError: true,
      retryAttempts: -1,
      filters: [OUTBOX_FILTER],
    });
  }
}
