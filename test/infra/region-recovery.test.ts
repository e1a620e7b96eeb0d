/**
 * The "When a region fails" runbook of docs/deploy.md runbook, step by step, against the synthesized templates: each test
 * builds the app with the context the step says and checks what the step relies on. CloudFormation itself
 * is not run (no account): what only a real deploy can show is listed in docs/deploy.md.
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ConfigError, readConfig } from '../../infra/config';
import { stackNames } from '../../infra/names';
import { ACCOUNT, buildApp, resourcesOf, type SynthesizedApp, type TemplateJson } from './support';

const KEY_ID = 'mrk-0123456789abcdef0123456789abcdef';
const PEPPER_KEY_ID = 'mrk-fedcba9876543210fedcba9876543210';
/** Step 1 of the runbook: both keys' ids written into the context. */
const KEY_IDS = { sealingKeyId: KEY_ID, pepperKeyId: PEPPER_KEY_ID };
const keyArn = (region: string, id = KEY_ID) => `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;
const POOL_ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123';

/** The property that holds a resource's physical name, for the types these stacks make. */
const PHYSICAL_NAME: Record<string, string> = {
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Scheduler::ScheduleGroup': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::Cognito::UserPoolDomain': 'Domain',
};
/** Types whose name stays taken for a while after deletion. */
const NAME_HELD_AFTER_DELETE = new Set([
  'AWS::SQS::Queue', // 60 seconds
  'AWS::Scheduler::ScheduleGroup', // DELETING until its schedules are gone
]);
const RETAINED = new Set(['Retain', 'RetainExceptOnCreate']);
const deletionPolicyOf = (resource: object) => (resource as { DeletionPolicy?: string }).DeletionPolicy;

/**
 * What would already exist if the stack were deleted and created again at once: a fixed name (one that does
 * not carry the stack's id, which each creation draws anew) on a resource that is retained, or whose name
 * is held after deletion.
 */
function recreationCollisions(json: TemplateJson): string[] {
  return Object.entries(json.Resources).flatMap(([id, resource]) => {
    const nameProperty = PHYSICAL_NAME[resource.Type];
    const name = nameProperty === undefined ? undefined : resource.Properties?.[nameProperty];
    if (name === undefined || JSON.stringify(name).includes('AWS::StackId')) return [];
    const retained = RETAINED.has(String(resource.DeletionPolicy));
    return retained || NAME_HELD_AFTER_DELETE.has(resource.Type)
      ? [`${resource.Type} ${id} ${JSON.stringify(name)}`]
      : [];
  });
}

/**
 * A template without its function bundles' S3 keys: these tests skip bundling (support.ts), and CDK then
 * draws each asset hash at random, so two builds of the same code differ there only.
 */
const withoutAssetKeys = (json: TemplateJson): unknown =>
  JSON.parse(JSON.stringify(json), (key, value: unknown) => (key === 'S3Key' ? '<asset>' : value));

const jsonOf = (built: SynthesizedApp, stack: Stack) => built.template(stack).toJSON() as TemplateJson;
const templatesByName = (built: SynthesizedApp) =>
  new Map(built.templates().map(({ stack, json }) => [stack.stackName, { stack, json }]));

/** The stacks (by name) whose outputs a template reads, with their regions. */
function stacksReadBy(json: TemplateJson): { StackName: string; Region: string }[] {
  const found: { StackName: string; Region: string }[] = [];
  JSON.stringify(json, (key, value: unknown) => {
    if (key === 'Fn::GetStackOutput') found.push(value as { StackName: string; Region: string });
    return value;
  });
  return found;
}

/** For each region and key (sealing, pepper): the stack, logical id and type of the resource that owns it. */
function keyOwners(built: SynthesizedApp) {
  const owners = new Map<string, { stack: string; id: string; type: string }>();
  for (const { stack, json } of built.templates()) {
    for (const type of ['AWS::KMS::Key', 'AWS::KMS::ReplicaKey']) {
      // The audit signing key (SIGN_VERIFY, per API stack, replaceable) is not a data key.
      for (const key of resourcesOf(json, type).filter((k) => k.Properties.KeyUsage !== 'SIGN_VERIFY')) {
        const which = `${stack.region} ${key.id.startsWith('Pepper') ? 'pepper' : 'sealing'}`;
        expect(owners.has(which)).toBe(false);
        owners.set(which, { stack: stack.stackName, id: key.id, type });
      }
    }
  }
  expect(owners.size).toBe(2 * built.config.regions.length);
  return owners;
}

describe('the collision check (so the tests below can fail)', () => {
  it('finds a named retained log group and a named queue, and passes names that carry the stack id', () => {
    const stack = new Stack(new App(), 'Probe', { env: { region: 'us-east-1', account: ACCOUNT } });
    new logs.LogGroup(stack, 'Kept', {
      logGroupName: '/aws/lambda/kept',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new logs.LogGroup(stack, 'Gone', {
      logGroupName: '/aws/lambda/gone',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new sqs.Queue(stack, 'Queue', { queueName: 'named', removalPolicy: RemovalPolicy.DESTROY });
    new logs.LogGroup(stack, 'PerInstance', {
      logGroupName: `/aws/lambda/kept/${stack.stackId}`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const found = recreationCollisions(Template.fromStack(stack).toJSON() as TemplateJson);
    expect(found).toEqual([
      expect.stringMatching(/^AWS::Logs::LogGroup Kept.* "\/aws\/lambda\/kept"$/),
      expect.stringMatching(/^AWS::SQS::Queue Queue.* "named"$/),
    ]);
  });
});

describe('an API stack deleted and deployed again in its region', () => {
  const built = buildApp();

  it('leaves nothing behind that its next creation would collide with', () => {
    for (const stack of built.stacks.regionalApis.values()) {
      expect({ stack: stack.stackName, collisions: recreationCollisions(jsonOf(built, stack)) }).toEqual({
        stack: stack.stackName,
        collisions: [],
      });
    }
  });

  it('keeps its logs: the retained resources are its log groups, with their retention, named per stack instance', () => {
    for (const stack of built.stacks.regionalApis.values()) {
      const json = jsonOf(built, stack);
      const retained = Object.entries(json.Resources).filter(([, r]) =>
        RETAINED.has(String(r.DeletionPolicy)),
      );
      const groups = resourcesOf(json, 'AWS::Logs::LogGroup');
      expect(retained.map(([id]) => id).sort()).toEqual(groups.map((g) => g.id).sort());
      // One per catalog function, the API's access logs, the audit outbox materializer and its stream
      // lookup, the audit trail's stream consumer.
      expect(groups).toHaveLength(built.catalog.all.length + 4);
      for (const group of groups) {
        expect(group.Properties.RetentionInDays).toBe(built.config.logRetention);
        const [, [prefix, instance]] = (group.Properties.LogGroupName as { 'Fn::Join': [string, unknown[]] })[
          'Fn::Join'
        ];
        expect(prefix).toMatch(/^\/aws\/(lambda|apigateway)\/eat-[a-z-]+\/$/);
        expect(instance).toEqual({
          'Fn::Select': [
            0,
            { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
          ],
        });
      }
    }
  });

  it('deletes with it the sweep schedule group and dead-letter queue, and says their names', () => {
    for (const stack of built.stacks.regionalApis.values()) {
      const json = jsonOf(built, stack);
      for (const type of ['AWS::Scheduler::ScheduleGroup', 'AWS::SQS::Queue', 'AWS::Scheduler::Schedule']) {
        const [resource, ...others] = resourcesOf(json, type);
        expect(others).toEqual([]);
        expect(deletionPolicyOf(resource!) ?? 'Delete').toBe('Delete');
      }
      expect(json.Outputs).toHaveProperty('SweepScheduleGroupName');
      expect(json.Outputs).toHaveProperty('SweepDeadLetterQueueUrl');
    }
  });

  it('uses fixed names only where they are free again at once: functions, and roles named for their region', () => {
    for (const [region, stack] of built.stacks.regionalApis) {
      const json = jsonOf(built, stack);
      for (const [type, nameProperty] of Object.entries(PHYSICAL_NAME)) {
        for (const resource of resourcesOf(json, type)) {
          const name = resource.Properties[nameProperty];
          if (name === undefined || JSON.stringify(name).includes('AWS::StackId')) continue;
          expect([type, deletionPolicyOf(resource) ?? 'Delete']).toEqual([
            expect.stringMatching(/^AWS::(Lambda::Function|IAM::Role)$/),
            'Delete',
          ]);
          if (type === 'AWS::IAM::Role') expect(name).toMatch(new RegExp(`-${region}$`));
        }
      }
    }
  });

  it('and the stateful stacks retain only what is imported back (key, replica key, table, pool), by id or table name', () => {
    const importable = [
      'AWS::KMS::Key',
      'AWS::KMS::ReplicaKey',
      'AWS::DynamoDB::GlobalTable',
      'AWS::Cognito::UserPool',
    ];
    const stateful = built.templates().filter(({ stack }) => stack.terminationProtection);
    expect(stateful.length).toBe(built.config.regions.length + 2);
    for (const { json } of stateful) {
      const retained = Object.values(json.Resources).filter((r) => RETAINED.has(String(r.DeletionPolicy)));
      for (const r of retained) expect(importable).toContain(r.Type);
      // What they name and delete with the stack (the alias, the Cognito domain) is free again at once.
      expect(recreationCollisions(json).filter((c) => !c.startsWith('AWS::DynamoDB::GlobalTable'))).toEqual(
        [],
      );
    }
  });
});

describe('a planned move of the primary region, us-east-1 to eu-west-1', () => {
  const original = buildApp();
  // Step 1: the key id and the regions that own the key and the pool written into the context.
  const pinned = buildApp(KEY_IDS);
  const moved = buildApp({
    ...KEY_IDS,
    sealingKeyRegion: 'us-east-1',
    identityRegion: 'us-east-1',
    primaryRegion: 'eu-west-1',
    replicaRegions: 'us-east-1,ap-southeast-2',
  });
  const oldTable = stackNames(pinned.config).tokenTable;
  const newTable = stackNames(moved.config).tokenTable;

  it('step 1: pinning the key id keeps every stack, and every key under its stack and logical id', () => {
    expect([...templatesByName(pinned).keys()]).toEqual([...templatesByName(original).keys()]);
    expect(keyOwners(pinned)).toEqual(keyOwners(original));
    for (const stack of pinned.stacks.sealingKeyReplicas.values()) {
      const replicas = resourcesOf(jsonOf(pinned, stack), 'AWS::KMS::ReplicaKey');
      expect(replicas.map((r) => r.Properties.PrimaryKeyArn).sort()).toEqual(
        [keyArn('us-east-1'), keyArn('us-east-1', PEPPER_KEY_ID)].sort(),
      );
    }
    for (const [region, stack] of pinned.stacks.regionalApis) {
      for (const fn of resourcesOf(jsonOf(pinned, stack), 'AWS::Lambda::Function')) {
        // The stream ARN lookup's provider function has no environment.
        const env =
          (fn.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {};
        if (env.KMS_KEY_ARN !== undefined) expect(env.KMS_KEY_ARN).toBe(keyArn(region));
        if (env.PEPPER_KEY_ARN !== undefined) expect(env.PEPPER_KEY_ARN).toBe(keyArn(region, PEPPER_KEY_ID));
      }
    }
  });

  it('step 2: the old table stack can be deleted: it retains the table and nothing reads its outputs', () => {
    const [table] = resourcesOf(jsonOf(pinned, pinned.stacks.tokenTable), 'AWS::DynamoDB::GlobalTable');
    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    for (const replica of table!.Properties.Replicas as Record<string, unknown>[]) {
      expect(replica.DeletionProtectionEnabled).toBe(true);
    }
    for (const { json } of pinned.templates()) {
      expect(stacksReadBy(json).map((s) => s.StackName)).not.toContain(oldTable);
    }
  });

  it('step 3: the new primary has a table stack that imports the same table, with a replica in every region', () => {
    expect(newTable).toBe('eat-token-table-eu-west-1');
    expect(moved.stacks.tokenTable.region).toBe('eu-west-1');
    const json = jsonOf(moved, moved.stacks.tokenTable);
    // cdk import brings in resources only: the stack holds nothing else (CDK's metadata aside).
    const types = Object.values(json.Resources).map((r) => r.Type);
    expect(types.filter((t) => t !== 'AWS::CDK::Metadata')).toEqual(['AWS::DynamoDB::GlobalTable']);
    const [after] = resourcesOf(json, 'AWS::DynamoDB::GlobalTable');
    const [before] = resourcesOf(jsonOf(pinned, pinned.stacks.tokenTable), 'AWS::DynamoDB::GlobalTable');
    expect(deletionPolicyOf(after!)).toBe('Retain');
    const byRegion = (t: typeof after) =>
      [...(t!.Properties.Replicas as { Region: string }[])].sort((a, b) => a.Region.localeCompare(b.Region));
    expect(byRegion(after)).toEqual(byRegion(before));
    expect({ ...after!.Properties, Replicas: [] }).toEqual({ ...before!.Properties, Replicas: [] });
    for (const replica of byRegion(after) as { Region: string; SSESpecification: unknown }[]) {
      expect(replica.SSESpecification).toEqual({ KMSMasterKeyId: keyArn(replica.Region) });
    }
    expect(stacksReadBy(json)).toEqual([]);
  });

  it('step 4: deploying everything changes no other stack, so no key or alias is made twice', () => {
    const before = templatesByName(pinned);
    const after = templatesByName(moved);
    expect([...after.keys()].filter((n) => !before.has(n))).toEqual([newTable]);
    expect([...before.keys()].filter((n) => !after.has(n))).toEqual([oldTable]);
    for (const [name, { json }] of after) {
      if (name === newTable) continue;
      expect({ name, json: withoutAssetKeys(json) }).toEqual({
        name,
        json: withoutAssetKeys(before.get(name)!.json),
      });
    }
    expect(keyOwners(moved)).toEqual(keyOwners(original));
    const aliases = moved
      .templates()
      .flatMap(({ stack, json }) =>
        resourcesOf(json, 'AWS::KMS::Alias').map((a) => `${stack.region} ${String(a.Properties.AliasName)}`),
      );
    expect(aliases.sort()).toEqual(
      moved.config.regions.flatMap((r) => [`${r} alias/eat-pepper-key`, `${r} alias/eat-sealing-key`]).sort(),
    );
  });

  it('step 5 (retiring us-east-1 only): every key lets the account move the KMS primary', () => {
    for (const { json } of moved.templates()) {
      for (const key of [
        ...resourcesOf(json, 'AWS::KMS::Key').filter((k) => k.Properties.KeyUsage !== 'SIGN_VERIFY'),
        ...resourcesOf(json, 'AWS::KMS::ReplicaKey'),
      ]) {
        const statements = (key.Properties.KeyPolicy as { Statement: { Sid?: string; Action: string[] }[] })
          .Statement;
        const administration = statements.find((s) => s.Sid === 'KeyAdministration')!;
        expect(administration.Action).toEqual(expect.arrayContaining(['kms:UpdatePrimaryRegion']));
      }
    }
  });
});

describe('a lost region', () => {
  it('while any one region is down, the stacks of the others read nothing from it (key id pinned)', () => {
    for (const lost of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
      // With Cognito in the lost region, its issuer and client ids are given as an OIDC issuer instead.
      const built = buildApp({
        ...KEY_IDS,
        ...(lost === 'us-east-1'
          ? { oidcIssuer: POOL_ISSUER, oidcAudience: 'console-client,agent-client' }
          : {}),
      });
      for (const { stack, json } of built.templates()) {
        if (stack.region === lost) continue;
        expect({
          stack: stack.stackName,
          reads: stacksReadBy(json).filter((s) => s.Region === lost),
        }).toEqual({
          stack: stack.stackName,
          reads: [],
        });
      }
    }
  });

  it('without the key id pinned, stacks read the key from its region (which is why step 1 comes first)', () => {
    const built = buildApp();
    const reads = built
      .templates()
      .flatMap(({ stack, json }) => stacksReadBy(json).filter((s) => s.Region !== stack.region));
    expect(reads.map((s) => s.StackName)).toContain(stackNames(built.config).sealingKey);
    // The sealing key's id alone is not enough: the pepper key's ARN would still be read from there.
    const halfPinned = buildApp({ sealingKeyId: KEY_ID });
    const stillRead = halfPinned
      .templates()
      .flatMap(({ stack, json }) => stacksReadBy(json).filter((s) => s.Region !== stack.region));
    expect(stillRead.map((s) => s.StackName)).toContain(stackNames(halfPinned.config).sealingKey);
  });

  describe('the primary (table home, key region, Cognito) lost for good', () => {
    const pinned = buildApp(KEY_IDS);
    const takeOver = buildApp({
      ...KEY_IDS,
      sealingKeyRegion: 'us-east-1',
      primaryRegion: 'eu-west-1',
      replicaRegions: 'us-east-1,ap-southeast-2',
      oidcIssuer: POOL_ISSUER,
      oidcAudience: 'console-client,agent-client',
    });
    const names = stackNames(takeOver.config);
    const deployed = [names.tokenTable, names.regionalApi('eu-west-1'), names.regionalApi('ap-southeast-2')];

    it('imports the table into eu-west-1 still listing the lost replica, reading nothing from us-east-1', () => {
      const json = jsonOf(takeOver, takeOver.stacks.tokenTable);
      const [table] = resourcesOf(json, 'AWS::DynamoDB::GlobalTable');
      const regions = (table!.Properties.Replicas as { Region: string }[]).map((r) => r.Region).sort();
      expect(regions).toEqual(['ap-southeast-2', 'eu-west-1', 'us-east-1']);
      const byName = templatesByName(takeOver);
      for (const name of deployed) {
        expect(byName.get(name)!.stack.region).not.toBe('us-east-1');
        expect(stacksReadBy(byName.get(name)!.json).filter((s) => s.Region === 'us-east-1')).toEqual([]);
      }
    });

    it('leaves the key stacks of the healthy regions as they were', () => {
      const before = templatesByName(pinned);
      for (const region of ['eu-west-1', 'ap-southeast-2']) {
        const name = names.sealingKeyReplica(region);
        expect(withoutAssetKeys(templatesByName(takeOver).get(name)!.json)).toEqual(
          withoutAssetKeys(before.get(name)!.json),
        );
      }
    });

    it('then drops us-east-1: no stack there, the replicas keep the ARN they were made from', () => {
      const dropped = buildApp({
        ...KEY_IDS,
        sealingKeyRegion: 'us-east-1',
        primaryRegion: 'eu-west-1',
        replicaRegions: 'ap-southeast-2',
        oidcIssuer: POOL_ISSUER,
        oidcAudience: 'console-client,agent-client',
      });
      expect(dropped.stacks.sealingKey).toBeUndefined();
      expect(dropped.templates().map(({ stack }) => stack.region)).not.toContain('us-east-1');
      const before = templatesByName(pinned);
      for (const region of ['eu-west-1', 'ap-southeast-2']) {
        const name = stackNames(dropped.config).sealingKeyReplica(region);
        expect(withoutAssetKeys(templatesByName(dropped).get(name)!.json)).toEqual(
          withoutAssetKeys(before.get(name)!.json),
        );
      }
      const [table] = resourcesOf(jsonOf(dropped, dropped.stacks.tokenTable), 'AWS::DynamoDB::GlobalTable');
      expect((table!.Properties.Replicas as { Region: string }[]).map((r) => r.Region).sort()).toEqual([
        'ap-southeast-2',
        'eu-west-1',
      ]);
    });

    it('refuses a key region outside the deployment without the key id (nothing else could name the key)', () => {
      const read = (context: Record<string, string>) => () => readConfig((key) => context[key]);
      expect(read({ sealingKeyRegion: 'us-east-1', primaryRegion: 'eu-west-1', replicaRegions: '' })).toThrow(
        ConfigError,
      );
      expect(
        read({
          sealingKeyId: KEY_ID,
          sealingKeyRegion: 'us-east-1',
          primaryRegion: 'eu-west-1',
          replicaRegions: '',
        }),
      ).toThrow(/pepperKeyId/);
      expect(read({ sealingKeyId: 'mrk-short' })).toThrow(/sealingKeyId/);
      expect(read({ pepperKeyId: 'alias/eat-pepper-key' })).toThrow(/pepperKeyId/);
    });
  });
});
