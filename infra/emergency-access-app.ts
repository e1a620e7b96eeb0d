/**
 * The stacks of one deployment, stateful apart from stateless:
 *
 * | stack | region | holds |
 * |---|---|---|
 * | `<prefix>-sealing-key-<primary>` | primary | the multi-region primary sealing key and its alias |
 * | `<prefix>-sealing-key-replica-<r>` | each replica | the replica key and its alias |
 * | `<prefix>-token-table-<primary>` | primary | the global table, with a replica in every replica region |
 * | `<prefix>-identity-<primary>` | primary | Cognito user pool and app clients (without `oidcIssuer`) |
 * | `<prefix>-api-<r>` | every region | functions, HTTP API, sweep schedule and its DLQ, alarms |
 *
 * Deployment order follows the references: the primary key, then the replica keys (they need the primary's
 * ARN), then the table (its replicas need their region's key), then each region's API stack.
 */
import {
  Annotations,
  CrossStackReferences,
  ReferenceStrength,
  Tags,
  type App,
  type StackProps,
} from 'aws-cdk-lib';
import type { DeploymentConfig } from './config';
import type { JwtAuthorization } from './constructs/emergency-access-http-api';
import { functionCatalog, type FunctionCatalog } from './function-catalog';
import { stackNames } from './names';
import { IdentityStack } from './stacks/identity-stack';
import { RegionalApiStack } from './stacks/regional-api-stack';
import { SealingKeyReplicaStack, SealingKeyStack } from './stacks/sealing-key-stacks';
import { TokenTableStack } from './stacks/token-table-stack';

export interface EmergencyAccessStacks {
  sealingKey: SealingKeyStack;
  sealingKeyReplicas: Map<string, SealingKeyReplicaStack>;
  tokenTable: TokenTableStack;
  identity: IdentityStack | undefined;
  regionalApis: Map<string, RegionalApiStack>;
}

export function buildEmergencyAccessApp(
  app: App,
  config: DeploymentConfig,
  catalog: FunctionCatalog = functionCatalog(),
): EmergencyAccessStacks {
  // Cross-stack and cross-region values are read with Fn::GetStackOutput (README "Deploy"), whatever
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

  const sealingKey = new SealingKeyStack(app, names.sealingKey, {
    ...stackProps(config.primaryRegion, names.sealingKey, 'multi-region primary sealing key', true),
    namePrefix: config.namePrefix,
    functions: catalog.all,
  });

  const sealingKeyReplicas = new Map<string, SealingKeyReplicaStack>();
  for (const region of config.replicaRegions) {
    const name = names.sealingKeyReplica(region);
    sealingKeyReplicas.set(
      region,
      new SealingKeyReplicaStack(app, name, {
        ...stackProps(region, name, `sealing key replica in ${region}`, true),
        namePrefix: config.namePrefix,
        primaryKeyArn: sealingKey.keyArn,
        functions: catalog.all,
      }),
    );
  }

  const tokenTable = new TokenTableStack(app, names.tokenTable, {
    ...stackProps(config.primaryRegion, names.tokenTable, 'global token table', true),
    tableName: config.tableName,
    replicaRegions: config.replicaRegions,
    primaryKeyArn: sealingKey.keyArn,
    primaryKeyId: sealingKey.keyId,
    multiRegionStrongConsistency: config.multiRegionStrongConsistency,
  });
  for (const replica of sealingKeyReplicas.values())
    tokenTable.addStackDependency(replica, 'replica tables need their key');
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
        config.primaryRegion,
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
    const stack = new RegionalApiStack(app, name, {
      ...stackProps(region, name, `functions, HTTP API and sweep in ${region}`, false),
      namePrefix: config.namePrefix,
      catalog,
      tableName: config.tableName,
      sealingKeyArn:
        region === config.primaryRegion ? sealingKey.keyArn : sealingKeyReplicas.get(region)!.keyArn,
      jwt,
      maxEmergencyCodeLifetimeDays: config.maxEmergencyCodeLifetimeDays,
      sourceMaps: config.sourceMaps,
      logRetention: config.logRetention,
      apiThrottle: config.apiThrottle,
      sweepSchedule: config.sweepSchedule,
      sweepEnabled: config.sweepRegions.includes(region),
      alarmTopicName: config.alarmTopicName,
    });
    stack.addStackDependency(tokenTable, 'the functions use the table replica of their region');
    regionalApis.set(region, stack);
  }

  Tags.of(app).add('project', 'emergency-access-tokencodes');
  return { sealingKey, sealingKeyReplicas, tokenTable, identity, regionalApis };
}
