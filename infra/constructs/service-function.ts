/**
 * One Lambda function of the service, with the project's fixed defaults: bundled locally by esbuild (no
 * Docker), minified, ES module output with its own pinned AWS SDK, ARM64, the newest Node.js runtime,
 * X-Ray tracing, JSON logs into a log group of its own with a retention, and an execution role of its own
 * that starts with nothing but writing to that log group.
 *
 * Access to data is added only through `bindTokenStore`, which grants exactly what the function's
 * declared DataAccess says (actions on the table and on the indexes it queries, kms:Decrypt or
 * kms:Encrypt on its region's key under the sealing context of each purpose, kms:GenerateMac on its
 * region's pepper key when it peppers) and sets the environment variables that functions/config.ts reads
 * for it (`PEPPER_KEY_ARN` only for those that pepper).
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as path from 'node:path';
import {
  ALL_PARTITIONS,
  PROJECT_ROOT,
  type DataAccess,
  type FunctionSpec,
  type Partition,
} from '../function-catalog';
import { functionName, functionRoleName, perStackInstanceName } from '../names';
import { BUDGET_PK_PREFIX } from '../../shared/adapters/dynamodb/dynamodb-client-budget';
import { readableAttributes, type ProjectionPurpose } from '../../shared/adapters/dynamodb/keys';
import { KEY, KEY_ATTRIBUTES, TTL_ATTRIBUTE } from '../../shared/adapters/dynamodb/table-schema';
import { PEPPER_MAC_CONDITIONS } from './pepper-key-policy';
import { sealingContextConditions } from './sealing-key-policy';

/** The newest Node.js runtime in the installed aws-cdk-lib. */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** esbuild's target for it. */
export const ESBUILD_TARGET = 'node24';

/** Lets the ES module bundle load the CommonJS dependencies that call `require` at run time. */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __cjsRequire } from 'node:module'; const require = __cjsRequire(import.meta.url);";

export const SERVICE_NAME = 'emergency-access-tokencodes';

/**
 * How every function is bundled (esbuild, run by aws-cdk-lib). Exported so that `npm run bench` bundles
 * each function exactly as a deployment does and measures what ships.
 */
export function bundlingOptions(sourceMaps: boolean): nodejs.BundlingOptions {
  return {
    forceDockerBundling: false,
    format: nodejs.OutputFormat.ESM,
    target: ESBUILD_TARGET,
    mainFields: ['module', 'main'],
    banner: ESM_REQUIRE_BANNER,
    minify: true,
    sourceMap: sourceMaps,
    sourcesContent: false,
    // Bundle the AWS SDK clients at the version the code was tested with, not the runtime's.
    externalModules: [],
    tsconfig: path.join(PROJECT_ROOT, 'tsconfig.json'),
    logLevel: nodejs.LogLevel.WARNING,
    // No `charset`: aws-cdk-lib (2.276) never passes it to esbuild, whose default (ASCII, non-ASCII
    // characters escaped) is what ships either way.
  };
}

/** The environment that makes Node read the source map at start, set when the bundle ships one. */
export const SOURCE_MAP_NODE_OPTIONS = '--enable-source-maps';

export interface ServiceFunctionProps {
  spec: FunctionSpec;
  namePrefix: string;
  /** The region the function runs in (its stack's region): audit events name it. */
  region: string;
  /** The code policy cap, MAX_EAT_LIFETIME_DAYS. */
  maxEmergencyCodeLifetimeDays: number;
  sourceMaps: boolean;
  logRetention: logs.RetentionDays;
}

/** Table actions confined to partitions whose key starts with one of `partitions`. */
const leadingKeys = (partitions: readonly Partition[]) => ({
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions.map((p) => `${p}*`) },
});

/**
 * Reads confined to the attributes of `purposes` (keys.ts PROJECTION, the lists the store projects): every
 * name requested must be one of them, a Query must ask for SPECIFIC_ATTRIBUTES (not ALL_ATTRIBUTES nor an
 * index's ALL_PROJECTED_ATTRIBUTES), and a read must name its attributes at all (`Null`: a read naming
 * none would otherwise pass ForAllValues on an empty set).
 */
export const attributeConditions = (purposes: readonly ProjectionPurpose[]) => ({
  'ForAllValues:StringEquals': { 'dynamodb:Attributes': readableAttributes(purposes, KEY_ATTRIBUTES) },
  StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
  Null: { 'dynamodb:Attributes': 'false' },
});

/** An audit item's attributes (audit-items.ts): its keys, its TTL and the event's fields, nothing else. */
export const AUDIT_ITEM_ATTRIBUTES = readableAttributes(
  ['auditEvents'],
  [KEY.partition, KEY.sort, TTL_ATTRIBUTE],
);

/** The token table as a function sees it: names and ARNs in its own region. */
export interface TokenTableRef {
  tableName: string;
  tableArn: string;
  indexArn(indexName: string): string;
}

/** The region's sealing key: the multi-region primary, or the replica of the function's region. */
export interface SealingKeyRef {
  keyArn: string;
  /** The region's pepper key: only functions that declare `peppers` are told it and may use it. */
  pepperKeyArn: string;
  /** The region's audit signing key: only a function that declares `signsAuditExports` may use it. */
  auditSigningKeyArn?: string;
}

export class ServiceFunction extends Construct {
  readonly spec: FunctionSpec;
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    const { spec, namePrefix, region } = props;
    this.spec = spec;
    const name = functionName(namePrefix, spec.name);

    // Kept when the stack is deleted (the logs outlive it, until their retention ends), so the name carries
    // the stack's instance id: the stack created again makes its own group instead of colliding.
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: perStackInstanceName(Stack.of(this), `/aws/lambda/${name}`, '/'),
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'ExecutionRole', {
      roleName: functionRoleName(namePrefix, spec.name, region),
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${name} in ${region}: its log group and its declared data access only`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const routes = spec.routes.map((r) => `${r.method} ${r.path}`);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      functionName: name,
      description:
        `${SERVICE_NAME}: functions/${spec.name}.ts` +
        (routes.length > 0 ? ` (${routes.length} route${routes.length > 1 ? 's' : ''})` : ''),
      entry: spec.entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: NODE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.sizing.memorySizeMb,
      reservedConcurrentExecutions: spec.sizing.reservedConcurrency,
      timeout: Duration.seconds(spec.sizing.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // The handlers' replies and errors stay out of the traces: a reply may hold an emergency code.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
        REGION_NAME: region,
        MAX_EAT_LIFETIME_DAYS: String(props.maxEmergencyCodeLifetimeDays),
        ...(props.sourceMaps ? { NODE_OPTIONS: SOURCE_MAP_NODE_OPTIONS } : {}),
      },
      bundling: bundlingOptions(props.sourceMaps),
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level ' +
        'permissions (the Service Authorization Reference lists no resource type), so they need Resource *. ' +
        'They are the only actions on *; every table and key statement names its ARNs.',
    });
  }

  /**
   * Gives the function the token store: TABLE_NAME, SEALER=kms and KMS_KEY_ARN (functions/config.ts needs
   * all three), and exactly the table, index and key permissions `access` declares.
   */
  bindTokenStore(table: TokenTableRef, key: SealingKeyRef, access: DataAccess): void {
    if (access.readsReplicaTables === true && access.table !== 'read') {
      throw new Error(`${this.spec.name}: only a read-only function may read the other regions' replicas`);
    }
    if (access.table === 'none') {
      const keys = access.opens.length + access.seals.length + access.peppers.length;
      if (access.indexes.length > 0 || keys > 0 || access.deletes) {
        throw new Error(`${this.spec.name}: a function without table access can have no index or key access`);
      }
      return;
    }
    this.function.addEnvironment('TABLE_NAME', table.tableName);
    this.function.addEnvironment('SEALER', 'kms');
    this.function.addEnvironment('KMS_KEY_ARN', key.keyArn);

    const tableActions = ['dynamodb:GetItem', 'dynamodb:Query'];
    if (access.table === 'read-write') tableActions.push('dynamodb:PutItem');
    if (access.reads !== undefined && access.table !== 'read') {
      throw new Error(`${this.spec.name}: only a read-only function can be confined to attributes`);
    }
    const attributes = access.reads === undefined ? {} : attributeConditions(access.reads);
    if (access.deletes && access.table !== 'read-write')
      throw new Error(`${this.spec.name}: deletes needs read-write`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: access.table === 'read' ? 'ReadTokenTable' : 'ReadWriteTokenTable',
        actions: tableActions,
        resources: [table.tableArn],
        conditions: { ...leadingKeys(access.partitions ?? ALL_PARTITIONS), ...attributes },
      }),
    );
    if (access.deletes) {
      // Audit events live in TOKEN# partitions: no function may delete there (TTL is their retention).
      const deletesIn = access.deletesIn ?? [];
      if (deletesIn.length === 0 || deletesIn.includes('TOKEN#')) {
        throw new Error(`${this.spec.name}: deletes must name partitions, and never TOKEN# (audit events)`);
      }
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DeleteInTokenTable',
          actions: ['dynamodb:DeleteItem'],
          resources: [table.tableArn],
          conditions: leadingKeys(deletesIn),
        }),
      );
    }
    if (access.clientBudget === true) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'CountClientBudget',
          actions: ['dynamodb:UpdateItem'],
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${BUDGET_PK_PREFIX}*`] } },
        }),
      );
    }
    if (access.appendsAudit === true) {
      if (access.table !== 'read')
        throw new Error(`${this.spec.name}: appendsAudit is for a read-only function`);
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'AppendAuditEvents',
          actions: ['dynamodb:PutItem'],
          resources: [table.tableArn],
          conditions: {
            ...leadingKeys(['TOKEN#']),
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': AUDIT_ITEM_ATTRIBUTES },
            StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
          },
        }),
      );
    }
    if (access.indexes.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'QueryTokenTableIndexes',
          actions: ['dynamodb:Query'],
          resources: access.indexes.map((index) => table.indexArn(index)),
          conditions: access.reads === undefined ? undefined : attributes,
        }),
      );
    }
    if (access.opens.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'OpenSealedSecrets',
          actions: ['kms:Decrypt'],
          resources: [key.keyArn],
          conditions: sealingContextConditions(access.opens),
        }),
      );
    }
    if (access.seals.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'SealSecrets',
          actions: ['kms:Encrypt'],
          resources: [key.keyArn],
          conditions: sealingContextConditions(access.seals),
        }),
      );
    }
    if (access.signsAuditExports === true) {
      if (key.auditSigningKeyArn === undefined) throw new Error(`${this.spec.name}: no audit signing key`);
      this.function.addEnvironment('AUDIT_SIGNING_KEY_ARN', key.auditSigningKeyArn);
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'SignAuditExports',
          actions: ['kms:Sign'],
          resources: [key.auditSigningKeyArn],
          conditions: { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256' } },
        }),
      );
      // GetPublicKey has no signing algorithm to condition on.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadAuditSigningPublicKey',
          actions: ['kms:GetPublicKey'],
          resources: [key.auditSigningKeyArn],
        }),
      );
    }
    if (access.peppers.length > 0) {
      this.function.addEnvironment('PEPPER_KEY_ARN', key.pepperKeyArn);
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PepperSecrets',
          actions: ['kms:GenerateMac'],
          resources: [key.pepperKeyArn],
          conditions: PEPPER_MAC_CONDITIONS,
        }),
      );
    }
  }

  /**
   * The other regions' replicas of the table, for a function that declares `readsReplicaTables`: GetItem
   * and Query on each one's table ARN, under the same partition and attribute conditions as its own
   * region's reads, and REPLICATION_REGIONS naming every region (functions/replication-config.ts).
   */
  bindReplicaTables(
    tableArnIn: (region: string) => string,
    regions: readonly string[],
    access: DataAccess,
  ): void {
    if (access.readsReplicaTables !== true) return;
    // Sorted: a move of the primary region reorders the configuration's list, and must change no function.
    this.function.addEnvironment('REPLICATION_REGIONS', [...regions].sort().join(','));
    const others = regions.filter((r) => r !== Stack.of(this).region);
    if (others.length === 0) return;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadReplicaTables',
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: others.map(tableArnIn),
        conditions: {
          ...leadingKeys(access.partitions ?? ALL_PARTITIONS),
          ...(access.reads === undefined ? {} : attributeConditions(access.reads)),
        },
      }),
    );
  }
}
