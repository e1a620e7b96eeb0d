/**
 * The expiry sweep's schedule in one region: an EventBridge Scheduler schedule that invokes the sweep
 * function, with retries bounded to less than one period and one dead-letter queue for what still fails.
 *
 * Scheduler invokes Lambda asynchronously, so failures come in two kinds, and both end in that queue:
 * an invocation Scheduler cannot deliver (throttled, missing permission) is retried by Scheduler (its
 * retry policy and DeadLetterConfig); a run that fails (the sweep throws when it cannot read the expiry
 * index, or times out) is retried by Lambda's asynchronous invocation (the function's event invoke
 * config and its on-failure destination). Each run is idempotent (conditional writes), so retries are safe.
 *
 * The schedule exists in every region; it is enabled only in the sweep regions (context `sweepRegion`),
 * so moving the sweep is a redeploy or one `aws scheduler update-schedule` call.
 */
import { type CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { perStackInstanceName } from '../names';
import type { ServiceFunction } from './service-function';

export interface ExpirySweepScheduleProps {
  namePrefix: string;
  sweep: ServiceFunction;
  /** `rate(...)` or `cron(...)`. */
  expression: string;
  enabled: boolean;
}

/** Retries of an undelivered invocation (Scheduler) and of a failed run (Lambda). */
export const SWEEP_RETRY_ATTEMPTS = 2;
/** An invocation not delivered, or a run not succeeded, within this goes to the DLQ: the next run takes over. */
export const SWEEP_MAX_EVENT_AGE = Duration.minutes(10);

export class ExpirySweepSchedule extends Construct {
  readonly schedule: scheduler.Schedule;
  readonly scheduleGroup: scheduler.ScheduleGroup;
  readonly deadLetterQueue: sqs.Queue;
  readonly schedulerRole: iam.Role;

  constructor(scope: Construct, id: string, props: ExpirySweepScheduleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // SQS holds a deleted queue's name for 60 seconds, and a schedule group stays DELETING until its
    // schedules are gone: both names carry the stack's instance id, so the stack can be created again at once.
    // Both go with the stack: what waits in the queue are retries of an idempotent sweep the next run redoes.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: perStackInstanceName(stack, `${props.namePrefix}-sweep-dead-letters`, '-'),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    props.sweep.function.configureAsyncInvoke({
      retryAttempts: SWEEP_RETRY_ATTEMPTS,
      maxEventAge: SWEEP_MAX_EVENT_AGE,
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: the DeadLetterConfig of the sweep schedule (EventBridge ' +
        "Scheduler) and the on-failure destination of the sweep function's asynchronous invocations, which " +
        'cdk-nag does not recognise as DLQ use. Nothing consumes it automatically; an alarm watches its ' +
        'depth and an operator inspects and deletes what lands in it.',
    });
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: perStackInstanceName(stack, `${props.namePrefix}-sweep`, '-'),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'EventBridge Scheduler: invokes the expiry sweep and writes to its dead-letter queue',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': this.scheduleGroup.scheduleGroupArn,
          },
        },
      }),
    });
    Validations.of(this.schedulerRole).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${stack.getLogicalId(
        props.sweep.function.node.defaultChild as CfnResource,
      )}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the sweep function and on its qualified ARNs (<arn>:*, its versions and ' +
        'aliases), as Function.grantInvoke grants it: one function and nothing else.',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: `${props.namePrefix}-expiry-sweep`,
      description: 'Expires emergency access tokencodes that are due, and run-out offline download records',
      scheduleGroup: this.scheduleGroup,
      schedule: scheduler.ScheduleExpression.expression(props.expression),
      enabled: props.enabled,
      timeWindow: scheduler.TimeWindow.off(),
      target: new targets.LambdaInvoke(props.sweep.function, {
        role: this.schedulerRole,
        retryAttempts: SWEEP_RETRY_ATTEMPTS,
        maxEventAge: SWEEP_MAX_EVENT_AGE,
        deadLetterQueue: this.deadLetterQueue,
        input: scheduler.ScheduleTargetInput.fromObject({
          source: 'aws.scheduler',
          scheduleArn: scheduler.ContextAttribute.scheduleArn,
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
          executionId: scheduler.ContextAttribute.executionId,
          attemptNumber: scheduler.ContextAttribute.attemptNumber,
        }),
      }),
    });
  }
}
