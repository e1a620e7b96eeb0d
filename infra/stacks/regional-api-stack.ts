/**
 * Everything stateless in one region: a function per route group and the sweep function (each with only
 * its declared access to the table and to this region's sealing and pepper keys), the audit outbox
 * materializer on the region's table stream, the HTTP API with its public OpenAPI document as a static
 * file behind CloudFront, the sweep schedule with its dead-letter queue,
 * and the alarms. Replaceable at will: it holds no data, and it can be deleted and created again in its
 * region, since every name that outlives it (its retained log groups) or is held after deletion (queue,
 * schedule group) carries the stack's instance id (infra/names.ts).
 */
import { Annotations, Arn, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { FUNCTION_ENTRIES } from '../../functions/registry';
import { DEFAULT_SIZING, type FunctionCatalog, type FunctionSpec } from '../function-catalog';
import { EmergencyAccessHttpApi, type JwtAuthorization } from '../constructs/emergency-access-http-api';
import { AUDIT_OUTBOX_FUNCTION, AuditOutboxMaterializer } from '../constructs/audit-outbox-materializer';
import { ExpirySweepSchedule } from '../constructs/expiry-sweep-schedule';
import { PublicOpenApiDocument } from '../constructs/public-openapi-document';
import { AUDIT_TRAIL_FUNCTION, IdentityEvents } from '../constructs/identity-events';
import { ServiceFunction, type TokenTableRef } from '../constructs/service-function';
import { openApiDocument } from '../../functions/api/openapi';
import { ALL_ROUTES, openApiRoute } from '../../functions/api/contract/routes';
import { CHAIN_LINK_ATTRIBUTES } from '../../shared/adapters/dynamodb/dynamodb-audit-chain';
import { KEY, TTL_ATTRIBUTE } from '../../shared/adapters/dynamodb/table-schema';

/** Every attribute a chain link item may have: what the audit trail function's PutItem may name. */
export const AUDIT_CHAIN_ITEM_ATTRIBUTES: readonly string[] = [
  KEY.partition,
  KEY.sort,
  TTL_ATTRIBUTE,
  ...CHAIN_LINK_ATTRIBUTES,
];

export interface RegionalApiStackProps extends StackProps {
  namePrefix: string;
  catalog: FunctionCatalog;
  tableName: string;
  /** This region's sealing key: the primary's ARN in the primary region, the replica's elsewhere. */
  sealingKeyArn: string;
  /** This region's pepper key (the HMAC key), as `sealingKeyArn`. */
  pepperKeyArn: string;
  jwt: JwtAuthorization;
  maxEmergencyCodeLifetimeDays: number;
  sourceMaps: boolean;
  logRetention: logs.RetentionDays;
  apiThrottle: { rateLimit: number; burstLimit: number };
  sweepSchedule: string;
  sweepEnabled: boolean;
  alarmTopicName: string | undefined;
  /** Where identity events go: this region's own bus (the default) or the account's default bus. */
  identityEventBus?: 'own' | 'default';
  /** Every region of the deployment: the regions' view of a change reads the table's replica in each. */
  regions?: readonly string[];
}

/** How far the audit outbox materializer may fall behind its stream before it alarms (the stream keeps 24 h). */
export const AUDIT_OUTBOX_MAX_LAG = Duration.hours(1);

export class RegionalApiStack extends Stack {
  readonly functions: ServiceFunction[];
  readonly sweepFunction: ServiceFunction;
  /** The audit outbox's materializer (constructs/audit-outbox-materializer.ts). */
  readonly auditOutboxFunction: ServiceFunction;
  /** The audit trail's stream consumer: identity events (constructs/identity-events.ts). */
  readonly auditTrailFunction: ServiceFunction;
  readonly identityEvents: IdentityEvents;
  /** Signs audit chain exports; only the export function may use it. */
  readonly auditSigningKey: kms.Key;
  readonly api: EmergencyAccessHttpApi;
  /** The public OpenAPI document, a static file the API proxies to. */
  readonly openApiDocument: PublicOpenApiDocument;
  readonly sweepSchedule: ExpirySweepSchedule;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: RegionalApiStackProps) {
    super(scope, id, props);
    const table: TokenTableRef = {
      tableName: props.tableName,
      tableArn: Arn.format({ service: 'dynamodb', resource: 'table', resourceName: props.tableName }, this),
      indexArn: (indexName) =>
        Arn.format(
          { service: 'dynamodb', resource: 'table', resourceName: `${props.tableName}/index/${indexName}` },
          this,
        ),
    };
    // The audit export's signing key (ECDSA P-256): this region's exports are verified with its public key.
    // Not retained: a stack deleted and made again has a new key, and exports signed before carry theirs.
    this.auditSigningKey = new kms.Key(this, 'AuditSigningKey', {
      description: 'Signs the audit chain exports of this region (eatctl audit export / verify)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(30),
    });
    const key = {
      keyArn: props.sealingKeyArn,
      pepperKeyArn: props.pepperKeyArn,
      auditSigningKeyArn: this.auditSigningKey.keyArn,
    };

    const make = (spec: FunctionCatalog['all'][number]) => {
      const fn = new ServiceFunction(this, `${pascal(spec.name)}Function`, {
        spec,
        namePrefix: props.namePrefix,
        region: this.region,
        maxEmergencyCodeLifetimeDays: props.maxEmergencyCodeLifetimeDays,
        sourceMaps: props.sourceMaps,
        logRetention: props.logRetention,
      });
      fn.bindTokenStore(table, key, spec.access);
      const replicaArnIn = (region: string) =>
        Arn.format({ service: 'dynamodb', region, resource: 'table', resourceName: props.tableName }, this);
      fn.bindReplicaTables(replicaArnIn, props.regions ?? [this.region], spec.access);
      if (!spec.declared) {
        Annotations.of(fn).addWarningV2(
          'eat:undeclared-data-access',
          `${spec.name}: no data access declared in infra/function-catalog.ts (FUNCTION_DECLARATIONS); ` +
            `it gets ${spec.access.table} on the table, no index and no key until one is declared`,
        );
      }
      return fn;
    };
    const routeFunctions = props.catalog.routeGroups.map(make);
    this.sweepFunction = make(props.catalog.sweep);
    // No token store binding: its construct grants the stream and the audit items, nothing else.
    this.auditOutboxFunction = new ServiceFunction(this, 'AuditOutboxFunction', {
      spec: auditOutboxSpec(),
      namePrefix: props.namePrefix,
      region: this.region,
      maxEmergencyCodeLifetimeDays: props.maxEmergencyCodeLifetimeDays,
      sourceMaps: props.sourceMaps,
      logRetention: props.logRetention,
    });
    const outbox = new AuditOutboxMaterializer(this, 'AuditOutbox', {
      materializer: this.auditOutboxFunction,
      table,
      namePrefix: props.namePrefix,
      logRetention: props.logRetention,
    });
    this.auditTrailFunction = new ServiceFunction(this, 'AuditTrailFunction', {
      spec: auditTrailSpec(),
      namePrefix: props.namePrefix,
      region: this.region,
      maxEmergencyCodeLifetimeDays: props.maxEmergencyCodeLifetimeDays,
      sourceMaps: props.sourceMaps,
      logRetention: props.logRetention,
    });
    this.auditTrailFunction.bindTokenStore(table, key, auditTrailSpec().access);
    // It appends the audit chains' links: items made of a link's attributes only, in token partitions.
    this.auditTrailFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AppendAuditChainLinks',
        actions: ['dynamodb:PutItem'],
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TOKEN#*'] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...AUDIT_CHAIN_ITEM_ATTRIBUTES] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        },
      }),
    );
    this.identityEvents = new IdentityEvents(this, 'IdentityEvents', {
      publisher: this.auditTrailFunction,
      streamArn: outbox.streamArn,
      regionName: this.region,
      bus: props.identityEventBus,
    });
    this.functions = [
      ...routeFunctions,
      this.sweepFunction,
      this.auditOutboxFunction,
      this.auditTrailFunction,
    ];

    this.openApiDocument = new PublicOpenApiDocument(this, 'OpenApiDocument', {
      path: openApiRoute.path,
      document: openApiDocument(ALL_ROUTES),
      maxAge: Duration.minutes(5),
    });
    this.api = new EmergencyAccessHttpApi(this, 'Api', {
      namePrefix: props.namePrefix,
      functions: routeFunctions,
      staticRoutes: props.catalog.staticRoutes.map((definition) => {
        if (definition.operationId !== openApiRoute.operationId) {
          throw new Error(`${definition.operationId}: no static file serves this route`);
        }
        return { definition, integration: this.openApiDocument.integration };
      }),
      jwt: props.jwt,
      throttle: props.apiThrottle,
      logRetention: props.logRetention,
    });

    this.sweepSchedule = new ExpirySweepSchedule(this, 'ExpirySweep', {
      namePrefix: props.namePrefix,
      sweep: this.sweepFunction,
      expression: props.sweepSchedule,
      enabled: props.sweepEnabled,
    });

    this.addAlarms(props);

    new CfnOutput(this, 'ApiEndpoint', {
      value: this.api.endpoint,
      description: `The HTTP API in ${this.region}`,
    });
    new CfnOutput(this, 'SweepScheduleName', {
      value: this.sweepSchedule.schedule.scheduleName,
      description: `The expiry sweep schedule (${props.sweepEnabled ? 'enabled' : 'disabled'} here)`,
    });
    new CfnOutput(this, 'SweepScheduleGroupName', {
      value: this.sweepSchedule.scheduleGroup.scheduleGroupName,
      description: 'The schedule group of the expiry sweep (its name ends with this stack instance id)',
    });
    new CfnOutput(this, 'SweepDeadLetterQueueUrl', {
      value: this.sweepSchedule.deadLetterQueue.queueUrl,
      description: 'Sweep invocations that failed after their retries',
    });
  }

  private addAlarms(props: RegionalApiStackProps): void {
    const period = Duration.minutes(5);
    const alarm = (id: string, description: string, metric: cloudwatch.IMetric, threshold = 1) => {
      const created = new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.alarms.push(created);
      return created;
    };

    for (const fn of this.functions) {
      const name = pascal(fn.spec.name);
      const what = fn === this.sweepFunction ? 'The expiry sweep failed' : `${fn.spec.name} failed`;
      alarm(
        `${name}ErrorsAlarm`,
        `${what}: the function ended with an error (an uncaught exception or a timeout)`,
        fn.function.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
      );
      alarm(
        `${name}ThrottlesAlarm`,
        `${fn.spec.name} was throttled: requests were refused for lack of concurrency`,
        fn.function.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }),
      );
    }
    alarm(
      'ApiServerErrorsAlarm',
      'The HTTP API answered 5xx (a dependency unavailable, or a function failure)',
      this.api.httpApi.metricServerError({ period, statistic: cloudwatch.Stats.SUM }),
      5,
    );
    alarm(
      'AuditOutboxIteratorAgeAlarm',
      'The audit outbox materializer is an hour or more behind the table stream, which keeps records 24 hours: ' +
        'events whose writer could not append them are lost if it falls 24 hours behind',
      this.auditOutboxFunction.function.metric('IteratorAge', {
        period,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      AUDIT_OUTBOX_MAX_LAG.toMilliseconds(),
    );
    alarm(
      'SweepDeadLetterQueueDepthAlarm',
      'Sweep invocations failed after their retries and wait in the dead-letter queue',
      this.sweepSchedule.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
    );
    alarm(
      'SweepDeadLetterDeliveryAlarm',
      'The scheduler could not put a failed sweep invocation into the dead-letter queue',
      new cloudwatch.Metric({
        namespace: 'AWS/Scheduler',
        metricName: 'InvocationsFailedToBeSentToDeadLetterCount',
        dimensionsMap: { ScheduleGroup: this.sweepSchedule.scheduleGroup.scheduleGroupName },
        period,
        statistic: cloudwatch.Stats.SUM,
      }),
    );

    if (props.alarmTopicName !== undefined) {
      const topic = sns.Topic.fromTopicArn(
        this,
        'AlarmTopic',
        Arn.format({ service: 'sns', resource: props.alarmTopicName }, this),
      );
      for (const created of this.alarms) created.addAlarmAction(new actions.SnsAction(topic));
    }
  }
}

function pascal(name: string): string {
  return name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** The materializer as a function of the region: its handler, no routes, and no declared table access. */
function auditOutboxSpec(): FunctionSpec {
  return {
    name: AUDIT_OUTBOX_FUNCTION,
    entry: FUNCTION_ENTRIES[AUDIT_OUTBOX_FUNCTION],
    routes: [],
    access: { table: 'none', indexes: [], deletes: false, opens: [], seals: [], peppers: [] },
    declared: true,
    sizing: DEFAULT_SIZING,
  };
}

/**
 * The audit trail's consumer: reads a token's chain links and its owner without secrets (its overview, to
 * name the user in identity events).
 */
function auditTrailSpec(): FunctionSpec {
  return {
    name: AUDIT_TRAIL_FUNCTION,
    entry: FUNCTION_ENTRIES[AUDIT_TRAIL_FUNCTION],
    routes: [],
    access: {
      table: 'read',
      partitions: ['TOKEN#'],
      reads: ['tokenOverview', 'auditChain'],
      indexes: [],
      deletes: false,
      opens: [],
      seals: [],
      peppers: [],
    },
    declared: true,
    sizing: DEFAULT_SIZING,
  };
}
