/**
 * The audit trail's append-only copy: every audit event the table receives (its stream's INSERT of an
 * `AUDIT#` item, written in any region, since the global table replicates them here) goes through an
 * EventBridge pipe (no function) to a Firehose delivery stream, into an S3 bucket with Object Lock in
 * compliance mode. No one, the account's root included, can delete or overwrite an archived event before
 * its retention ends; a change or a delete in the table later does not reach the archive.
 *
 * Why a pipe and Firehose: no code to run or patch, batching into few objects, retries built in. The
 * stream keeps records 24 hours: an archive outage shorter than that loses nothing.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { KEY } from '../../shared/adapters/dynamodb/table-schema';

/** An audit event's sort key prefix (shared/adapters/dynamodb/keys.ts, SK.auditPrefix). */
export const AUDIT_SK_PREFIX = 'AUDIT#';

/** The stream filter: new audit items only. */
export const AUDIT_EVENT_FILTER = {
  eventName: ['INSERT'],
  dynamodb: { Keys: { [KEY.sort]: { S: [{ prefix: AUDIT_SK_PREFIX }] } } },
};

/** What writes or re-labels an object: denied to everyone but the delivery stream's role. */
export const ARCHIVE_WRITE_ACTIONS = [
  's3:PutObject',
  's3:PutObjectAcl',
  's3:PutObjectLegalHold',
  's3:PutObjectRetention',
  's3:PutObjectTagging',
];

const ARCHIVE_PREFIX = 'audit/';
const FAILED_PREFIX = 'failed/';

export interface AuditArchiveProps {
  /** The table's stream in this region. */
  tableStreamArn: string;
  /** How long an archived event cannot be deleted or changed (compliance mode). */
  retentionDays: number;
}

export class AuditArchive extends Construct {
  readonly bucket: s3.Bucket;
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly pipe: pipes.CfnPipe;

  constructor(scope: Construct, id: string, props: AuditArchiveProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(props.retentionDays)),
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'The archive is written only by its Firehose stream and its objects cannot be changed or deleted ' +
        '(Object Lock, compliance mode); reads of it are for auditors and are recorded by CloudTrail data ' +
        'events where the account enables them. An access-log bucket would itself need one.',
    });

    // Firehose writes objects and nothing else: no read, no delete (the L2 destination grants both).
    const deliveryRole = new iam.Role(this, 'DeliveryRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
      description: 'The audit archive delivery stream: writes new objects into the archive bucket only',
    });
    deliveryRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LocateArchiveBucket',
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [this.bucket.bucketArn],
      }),
    );
    deliveryRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteArchiveObjects',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [
          this.bucket.arnForObjects(`${ARCHIVE_PREFIX}*`),
          this.bucket.arnForObjects(`${FAILED_PREFIX}*`),
        ],
      }),
    );
    // Nobody else writes there: not a function, not an administrator of the account (short of changing
    // this policy, which CloudTrail records). An event cannot be forged into the archive.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheDeliveryStreamWrites',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ARCHIVE_WRITE_ACTIONS,
        resources: [this.bucket.arnForObjects('*')],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': deliveryRole.roleArn } },
      }),
    );
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    for (const prefix of [ARCHIVE_PREFIX, FAILED_PREFIX]) {
      Validations.of(deliveryRole).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
        reason:
          'Firehose names each object by time and a random suffix, so PutObject needs the archive prefixes ' +
          'with a wildcard; the actions are only PutObject and AbortMultipartUpload, and Object Lock keeps ' +
          'every written object from being overwritten or deleted.',
      });
    }
    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: this.bucket.bucketArn,
        roleArn: deliveryRole.roleArn,
        prefix: `${ARCHIVE_PREFIX}!{timestamp:yyyy/MM/dd}/`,
        errorOutputPrefix: `${FAILED_PREFIX}!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
        bufferingHints: { intervalInSeconds: 60, sizeInMBs: 5 },
        compressionFormat: 'GZIP',
      },
    });
    this.deliveryStream.node.addDependency(deliveryRole);

    const role = new iam.Role(this, 'PipeRole', {
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com'),
      description: 'The audit archive pipe: reads the table stream, writes to the archive delivery stream',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTableStream',
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [props.tableStreamArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListTableStreams',
        actions: ['dynamodb:ListStreams'],
        resources: [props.tableStreamArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteDeliveryStream',
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: [this.deliveryStream.attrArn],
      }),
    );

    this.pipe = new pipes.CfnPipe(this, 'Pipe', {
      description: 'Audit events (new AUDIT# items) from the token table stream to the append-only archive',
      roleArn: role.roleArn,
      source: props.tableStreamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          startingPosition: 'TRIM_HORIZON',
          batchSize: 100,
          maximumBatchingWindowInSeconds: 10,
          maximumRetryAttempts: -1,
        },
        filterCriteria: { filters: [{ pattern: JSON.stringify(AUDIT_EVENT_FILTER) }] },
      },
      target: this.deliveryStream.attrArn,
    });
  }
}
