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
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { AUDIT_EVENT_ATTRIBUTES, AUDIT_OUTBOX_ATTRIBUTE } from '../../shared/adapters/dynamodb/keys';
import { KEY, TTL_ATTRIBUTE } from '../../shared/adapters/dynamodb/table-schema';
import { perStackInstanceName } from '../names';
import type { ServiceFunction, TokenTableRef } from './service-function';
import type { FunctionName } from '../../functions/registry';

export const AUDIT_OUTBOX_FUNCTION = 'audit-outbox' satisfies FunctionName;

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
  namePrefix: string;
  logRetention: logs.RetentionDays;
}

export class AuditOutboxMaterializer extends Construct {
  readonly streamArn: string;
  readonly eventSource: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: AuditOutboxMaterializerProps) {
    super(scope, id);
    const { materializer, table } = props;
    // Kept and named per stack instance, as the functions' log groups (service-function.ts).
    const lookupLogs = new logs.LogGroup(this, 'StreamArnLookupLogGroup', {
      logGroupName: perStackInstanceName(
        Stack.of(this),
        `/aws/lambda/${props.namePrefix}-audit-outbox-stream-lookup`,
        '/',
      ),
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const lookup = new cr.AwsCustomResource(this, 'StreamArnLookup', {
      logGroup: lookupLogs,
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
    const provider = Stack.of(this).node.tryFindChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
    );
    if (provider !== undefined) {
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'The stream ARN lookup is the CDK custom resource provider: a deploy-time function whose only ' +
          'grant besides writing its logs is dynamodb:DescribeTable on this region’s table.',
      });
    }

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
      filters: [lambda.FilterCriteria.filter(OUTBOX_FILTER)],
    });
  }
}
