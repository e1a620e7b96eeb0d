/**
 * The identity team's events in one region: the audit trail function (functions/audit-trail.ts) on the
 * region's table stream, filtered to new `AUDIT#` items written in this region, publishes each issue,
 * view, reset and use of a code to an EventBridge bus (docs/identity-events.md). The bus is this region's
 * own (`bus: 'own'`, the default) or the account's default bus. An example rule sends every event to an
 * SNS topic, for an identity team to subscribe to (or to replace with its own rules).
 *
 * Delivery is at least once: the event source retries a failed batch until the record leaves the stream
 * (24 h), and the same act always carries the same `detail.eventId`.
 */
import { Arn, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { IDENTITY_DETAIL_TYPES, IDENTITY_EVENT_SOURCE } from '../../shared/domain/identity-events';
import { AUDIT_EVENT_FILTER } from './audit-archive';
import type { ServiceFunction } from './service-function';
import type { FunctionName } from '../../functions/registry';

export const AUDIT_TRAIL_FUNCTION = 'audit-trail' satisfies FunctionName;

/** New audit items of this region only: every region publishes its own acts once. */
export function ownAuditEventFilter(regionName: string) {
  return {
    ...AUDIT_EVENT_FILTER,
    dynamodb: { ...AUDIT_EVENT_FILTER.dynamodb, NewImage: { region: { S: [regionName] } } },
  };
}

/** The example rule's pattern: every identity event of the service. */
export const IDENTITY_EVENT_PATTERN = {
  source: [IDENTITY_EVENT_SOURCE],
  detailType: Object.values(IDENTITY_DETAIL_TYPES),
};

export interface IdentityEventsProps {
  publisher: ServiceFunction;
  /** This region's table stream (the audit outbox materializer looks it up). */
  streamArn: string;
  /** The region name written into audit events (REGION_NAME). */
  regionName: string;
  bus?: 'own' | 'default';
}

export class IdentityEvents extends Construct {
  readonly eventBus: events.IEventBus;
  readonly exampleRule: events.Rule;
  readonly exampleTopic: sns.Topic;
  readonly eventSource: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: IdentityEventsProps) {
    super(scope, id);
    const { publisher } = props;
    this.eventBus =
      props.bus === 'default'
        ? events.EventBus.fromEventBusArn(
            this,
            'Bus',
            Arn.format({ service: 'events', resource: 'event-bus', resourceName: 'default' }, Stack.of(this)),
          )
        : new events.EventBus(this, 'Bus', {
            description: 'Emergency access codes issued, viewed, reset, used',
          });

    publisher.function.addEnvironment('EVENT_BUS_NAME', this.eventBus.eventBusName);
    publisher.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishIdentityEvents',
        actions: ['events:PutEvents'],
        resources: [this.eventBus.eventBusArn],
        conditions: { StringEquals: { 'events:source': IDENTITY_EVENT_SOURCE } },
      }),
    );
    publisher.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTableStream',
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [props.streamArn],
      }),
    );
    publisher.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListTableStreams',
        actions: ['dynamodb:ListStreams'],
        resources: [props.streamArn],
      }),
    );
    this.eventSource = new lambda.EventSourceMapping(this, 'TableStream', {
      target: publisher.function,
      eventSourceArn: props.streamArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      // One batch at a time per shard, in order; retried (halved) until the record leaves the stream.
      parallelizationFactor: 1,
      bisectBatchOnError: true,
      retryAttempts: -1,
      filters: [lambda.FilterCriteria.filter(ownAuditEventFilter(props.regionName))],
    });

    this.exampleTopic = new sns.Topic(this, 'ExampleTopic', {
      displayName: 'Emergency access code events',
      enforceSSL: true,
    });
    Validations.of(this.exampleTopic).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SNS2',
      reason:
        'The example topic carries identity events, which hold no code, PIN, seed or token (their schema is ' +
        'an allow-list); encrypting it would need a customer key whose policy lets EventBridge use it.',
    });
    this.exampleRule = new events.Rule(this, 'ExampleRule', {
      description: 'Example: every emergency access code event to an SNS topic for the identity team',
      eventBus: this.eventBus,
      eventPattern: IDENTITY_EVENT_PATTERN,
      targets: [new targets.SnsTopic(this.exampleTopic)],
    });

    new CfnOutput(this, 'EventBusName', {
      value: this.eventBus.eventBusName,
      description: `Identity events (source ${IDENTITY_EVENT_SOURCE}) of this region`,
    });
    new CfnOutput(this, 'ExampleTopicArn', {
      value: this.exampleTopic.topicArn,
      description: 'The example rule sends every identity event here',
    });
  }
}
