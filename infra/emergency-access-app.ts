/**
 * The stacks of one deployment, stateful apart from stateless:
 *
 * | stack | region | holds |
 * |---|---|---|
 * | `<prefix>-sealing-key-<sealingKeyRegion>` | where the keys were created | the multi-region sealing and pepper keys, their aliases |
 * | `<prefix>-sealing-key-replica-<r>` | every other region | the replica keys and their aliases |
 * | `<prefix>-token-table-<primary>` | primary | the global table, with a replica in every replica region |
 * | `<prefix>-identity-<identityRegion>` | the pool's region | Cognito user pool and app clients (without `oidcIssuer`) |
 * | `<prefix>-api-<r>` | every region | functions, HTTP API, sweep schedule and its DLQ, alarms |
 * | `<prefix>-console-<primary>` | primary | with `console=true`: the help-desk console (S3, CloudFront) |
 *
 * Only the table stack is named by the primary region. The key and identity stacks are named by the
 * region that owns them, so a new primary (context) leaves them as they are (docs/deploy.md, "When a region
 * fails"). Once `sealingKeyId` and `pepperKeyId` are given, no stack reads a key stack's outputs, so every
 * stack deploys while any
 * other region is down.
 *
 * Deployment order follows the references: the key, then its replicas (they need its ARN), then the table
 * (its replicas need their region's key), then each region's API stack.
 */
import {
  Annotations,
  CrossStackReferences,
  Lazy,
  ReferenceStrength,
  Stack,
  Tags,
  type App,
  type StackProps,
} from 'aws-cdk-lib';
import type { DeploymentConfig } from './config';
import type { JwtAuthorization } from './constructs/emergency-access-http-api';
import { functionCatalog, type FunctionCatalog } from './function-catalog';
import { keyArnIn, stackNames } from './names';
import { IdentityStack } from './stacks/identity-stack';
import { AuditArchive } from './constructs/audit-archive';
import { ConsoleStack } from './stacks/console-stack';
import { RegionalApiStack } from './stacks/regional-api-stack';
import { SealingKeyReplicaStack, SealingKeyStack } from './stacks/sealing-key-stacks';
import { TokenTableStack } from './stacks/token-table-stack';

export interface EmergencyAccessStacks {
  /** Absent when `sealingKeyRegion` is no longer one of the deployment's regions (lost for good). */
  sealingKey: SealingKeyStack | undefined;
  sealingKeyReplicas: Map<string, SealingKeyReplicaStack>;
  tokenTable: TokenTableStack;
  identity: IdentityStack | undefined;
  regionalApis: Map<string, RegionalApiStack>;
  /** With `auditArchive=true`: the append-only audit archive, in the primary region. */
  auditArchive: Stack | undefined;
  /** With `console=true`: the help-desk console's static site, in the primary region. */
  console: ConsoleStack | undefined;
}

export function buildEmergencyAccessApp(
  app: App,
  config: DeploymentConfig,
  catalog: FunctionCatalog = functionCatalog(),
): EmergencyAccessStacks {
  // Cross-stack and cross-region values are read with Fn::GetStackOutput (docs/deploy.md), whatever
  // cdk.json says: no export locks, no custom resources writing SSM parameters into other regions.
  CrossStackReferences.of(app).consume(ReferenceStrength.WEAK);
  const names = stackNames(config);
  const stackProps = (
    region: string,
    stackName: string,
    description: string,
    stateful: boolean,
  ): StackProps => ({
    env: { account: config.account, region },
    stackName,
    description: `Emergency access tokencodes: ${description}`,
    crossRegionReferences: true,
    terminationProtection: stateful,
  });

  let sealingKey: SealingKeyStack | undefined;
  if (config.regions.includes(config.sealingKeyRegion)) {
    sealingKey = new SealingKeyStack(app, names.sealingKey, {
      ...stackProps(config.sealingKeyRegion, names.sealingKey, 'multi-region sealing and pepper keys', true),
      namePrefix: config.namePrefix,
      functions: catalog.all,
    });
  }
  // readConfig guarantees one of the two: the key's stack in this app, or its id in the context.
  const pinnedArn = (keyId: string | undefined, stack: Stack, region: string) =>
    keyId === undefined ? undefined : keyArnIn(stack, region, keyId);
  const sealingKeyArnIn = (stack: Stack, region: string) => pinnedArn(config.sealingKeyId, stack, region);
  const pepperKeyArnIn = (stack: Stack, region: string) => pinnedArn(config.pepperKeyId, stack, region);

  const sealingKeyReplicas = new Map<string, SealingKeyReplicaStack>();
  for (const region of config.regions.filter((r) => r !== config.sealingKeyRegion)) {
    const name = names.sealingKeyReplica(region);
    const stack: SealingKeyReplicaStack = new SealingKeyReplicaStack(app, name, {
      ...stackProps(region, name, `sealing and pepper key replicas in ${region}`, true),
      namePrefix: config.namePrefix,
      primaryKeyArn: lazyArn(() => sealingKeyArnIn(stack, config.sealingKeyRegion) ?? sealingKey!.keyArn),
      primaryPepperKeyArn: lazyArn(
        () => pepperKeyArnIn(stack, config.sealingKeyRegion) ?? sealingKey!.pepperKeyArn,
      ),
      functions: catalog.all,
    });
    sealingKeyReplicas.set(region, stack);
  }
  const keyStackIn = (region: string) =>
    region === config.sealingKeyRegion ? sealingKey : sealingKeyReplicas.get(region);

  const tokenTable = new TokenTableStack(app, names.tokenTable, {
    ...stackProps(config.primaryRegion, names.tokenTable, 'global token table', true),
    tableName: config.tableName,
    replicaRegions: config.replicaRegions,
    sealingKeyId: config.sealingKeyId ?? keyStackIn(config.primaryRegion)!.keyId,
    multiRegionStrongConsistency: config.multiRegionStrongConsistency,
  });
  for (const keyStack of [sealingKey, ...sealingKeyReplicas.values()]) {
    if (keyStack !== undefined) tokenTable.addStackDependency(keyStack, 'each table replica needs its key');
  }
  if (config.multiRegionStrongConsistency) {
    Annotations.of(tokenTable).addWarningV2(
      'eat:mrsc-no-ttl',
      'Multi-region strong consistency: the table has no TTL, so audit events are kept until removed otherwise',
    );
  }

  let identity: IdentityStack | undefined;
  let jwt: JwtAuthorization;
  if (config.identity.kind === 'cognito') {
    identity = new IdentityStack(app, names.identity, {
      ...stackProps(
        config.identityRegion,
        names.identity,
        'Cognito user pool for administrators and agents',
        true,
      ),
      namePrefix: config.namePrefix,
      identity: config.identity,
    });
    jwt = {
      issuer: identity.jwtIssuer.issuer,
      audience: {
        'eat/admin': identity.jwtIssuer.adminAudience,
        'eat/agent': identity.jwtIssuer.agentAudience,
      },
    };
  } else {
    jwt = {
      issuer: config.identity.issuer,
      audience: { 'eat/admin': config.identity.audience, 'eat/agent': config.identity.audience },
    };
  }

  const regionalApis = new Map<string, RegionalApiStack>();
  for (const region of config.regions) {
    const name = names.regionalApi(region);
    const stack: RegionalApiStack = new RegionalApiStack(app, name, {
      ...stackProps(region, name, `functions, HTTP API and sweep in ${region}`, false),
      namePrefix: config.namePrefix,
      catalog,
      tableName: config.tableName,
      sealingKeyArn: lazyArn(() => sealingKeyArnIn(stack, region) ?? keyStackIn(region)!.keyArn),
      pepperKeyArn: lazyArn(() => pepperKeyArnIn(stack, region) ?? keyStackIn(region)!.pepperKeyArn),
      jwt,
      maxEmergencyCodeLifetimeDays: config.maxEmergencyCodeLifetimeDays,
      sourceMaps: config.sourceMaps,
      logRetention: config.logRetention,
      apiThrottle: config.apiThrottle,
      sweepSchedule: config.sweepSchedule,
      sweepEnabled: config.sweepRegions.includes(region),
      alarmTopicName: config.alarmTopicName,
      identityEventBus: config.identityEventBus,
      regions: config.regions,
    });
    stack.addStackDependency(tokenTable, 'the functions use the table replica of their region');
    regionalApis.set(region, stack);
  }

  // Its own stack: it reads the table stack's stream, which a move of the primary region must then
  // handle (the table stack alone is imported back, and nothing else may read its outputs).
  let auditArchive: Stack | undefined;
  if (config.auditArchive) {
    const name = `${config.namePrefix}-audit-archive-${config.primaryRegion}`;
    auditArchive = new Stack(
      app,
      name,
      stackProps(config.primaryRegion, name, 'append-only audit archive', true),
    );
    new AuditArchive(auditArchive, 'AuditArchive', {
      tableStreamArn: tokenTable.table.tableStreamArn!,
      // Archived events stay locked at least as long as the logs are kept.
      retentionDays: config.logRetention,
    });
    auditArchive.addStackDependency(tokenTable, 'the archive reads the table stream');
  }

  let consoleStack: ConsoleStack | undefined;
  if (config.console && identity !== undefined) {
    const name = `${config.namePrefix}-console-${config.primaryRegion}`;
    consoleStack = new ConsoleStack(app, name, {
      ...stackProps(config.primaryRegion, name, 'help-desk console on S3 and CloudFront', false),
      signInBaseUrl: identity.hostedDomain.baseUrl(),
      clientId: identity.adminClient.userPoolClientId,
      apis: config.regions.map((region) => ({
        region,
        apiId: regionalApis.get(region)!.api.httpApi.apiId,
      })),
    });
  }

  Tags.of(app).add('project', 'emergency-access-tokencodes');
  return {
    sealingKey,
    sealingKeyReplicas,
    tokenTable,
    identity,
    regionalApis,
    auditArchive,
    console: consoleStack,
  };
}

/** An ARN decided at synth time, once the stack that uses it exists (it formats the ARN in that stack). */
const lazyArn = (produce: () => string) => Lazy.string({ produce });
