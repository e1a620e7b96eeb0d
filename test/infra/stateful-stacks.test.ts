import { Match } from 'aws-cdk-lib/assertions';
import { domainsOfGroups } from '../../functions/http/claims';
import { DEMO_DOMAINS } from '../../local/demo-data';
import { INDEXES, KEY, TTL_ATTRIBUTE } from '../../shared/adapters/dynamodb/table-schema';
import { KEY_ADMINISTRATION_ACTIONS } from '../../infra/constructs/sealing-key-policy';
import { functionRoleName, stackNames } from '../../infra/names';
import { PITR_RECOVERY_DAYS } from '../../infra/stacks/token-table-stack';
import { actionsOf, buildApp, resourcesOf, type Statement, type TemplateJson } from './support';

const built = buildApp();
const { config, catalog, stacks } = built;
const names = stackNames(config);
const json = (stack: Parameters<typeof built.template>[0]) => built.template(stack).toJSON() as TemplateJson;

const stackOutputRef = (value: unknown) =>
  (value as { 'Fn::GetStackOutput'?: { StackName: string; Region: string; OutputName: string } })[
    'Fn::GetStackOutput'
  ];

describe('stacks', () => {
  it('puts the stateful resources apart from the stateless ones, one API stack per region', () => {
    expect(config.regions).toEqual(['us-east-1', 'eu-west-1', 'ap-southeast-2']);
    expect(stacks.sealingKey!.stackName).toBe(names.sealingKey);
    expect([...stacks.sealingKeyReplicas.keys()]).toEqual(['eu-west-1', 'ap-southeast-2']);
    expect([...stacks.regionalApis.keys()]).toEqual(config.regions);
    for (const stateful of [stacks.sealingKey!, ...stacks.sealingKeyReplicas.values(), stacks.tokenTable]) {
      expect(stateful.terminationProtection).toBe(true);
      expect(resourcesOf(json(stateful), 'AWS::Lambda::Function')).toEqual([]);
    }
    for (const [region, stack] of stacks.regionalApis) {
      expect(stack.region).toBe(region);
      const types = new Set(Object.values(json(stack).Resources).map((r) => r.Type));
      for (const stateful of ['AWS::DynamoDB::GlobalTable', 'AWS::KMS::ReplicaKey']) {
        expect(types).not.toContain(stateful);
      }
      // The one key an API stack holds is the audit signing key: replaceable (an export carries the public
      // key it was signed with), never a key that data is sealed or peppered under.
      const keys = resourcesOf(json(stack), 'AWS::KMS::Key');
      expect(keys.map((k) => k.Properties.KeyUsage)).toEqual(['SIGN_VERIFY']);
    }
  });

  it('reads every value of another stack with Fn::GetStackOutput: no exports, no custom resources', () => {
    const strong = buildApp({ '@aws-cdk/core:defaultCrossStackReferences': 'strong' });
    for (const { json: template } of [...built.templates(), ...strong.templates()]) {
      const text = JSON.stringify(template);
      expect(text).not.toContain('Fn::ImportValue');
      expect(text).not.toMatch(/Custom::CrossRegion|ExportsWriter|ExportsReader/);
      for (const output of Object.values(template.Outputs ?? {})) expect(output).not.toHaveProperty('Export');
    }
    const replicaKey = resourcesOf(
      json(stacks.sealingKeyReplicas.get('eu-west-1')!),
      'AWS::KMS::ReplicaKey',
    )[0]!;
    expect(stackOutputRef(replicaKey.Properties.PrimaryKeyArn)).toMatchObject({
      StackName: names.sealingKey,
      Region: config.primaryRegion,
    });
  });

  it('also deploys to a single region', () => {
    const single = buildApp({ replicaRegions: '' });
    expect(single.stacks.sealingKeyReplicas.size).toBe(0);
    expect([...single.stacks.regionalApis.keys()]).toEqual([single.config.primaryRegion]);
    const [table] = resourcesOf(
      single.template(single.stacks.tokenTable).toJSON() as TemplateJson,
      'AWS::DynamoDB::GlobalTable',
    );
    expect((table!.Properties.Replicas as { Region: string }[]).map((r) => r.Region)).toEqual([
      single.config.primaryRegion,
    ]);
  });

  it('deploys keys, then replica keys, then the table, then the regional APIs', () => {
    const deps = (stack: { dependencies: { stackName: string }[] }) =>
      stack.dependencies.map((s) => s.stackName);
    for (const replica of stacks.sealingKeyReplicas.values())
      expect(deps(replica)).toContain(names.sealingKey);
    expect(deps(stacks.tokenTable)).toEqual(
      expect.arrayContaining([names.sealingKey, ...config.replicaRegions.map(names.sealingKeyReplica)]),
    );
    for (const api of stacks.regionalApis.values()) expect(deps(api)).toContain(names.tokenTable);
  });
});

describe('token table', () => {
  const template = built.template(stacks.tokenTable);
  const [table] = resourcesOf(json(stacks.tokenTable), 'AWS::DynamoDB::GlobalTable');
  const props = table!.Properties as Record<string, unknown> & {
    Replicas: Record<string, unknown>[];
    GlobalSecondaryIndexes: Record<string, unknown>[];
  };

  it('is one global table with the keys, indexes and TTL of table-schema.ts', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    expect(props).toMatchObject({
      TableName: config.tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: KEY.partition, KeyType: 'HASH' },
        { AttributeName: KEY.sort, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      MultiRegionConsistency: 'EVENTUAL',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    expect(props.GlobalSecondaryIndexes).toHaveLength(INDEXES.length);
    for (const index of INDEXES) {
      expect(props.GlobalSecondaryIndexes).toContainEqual({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection:
          typeof index.projection === 'string'
            ? { ProjectionType: index.projection }
            : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection] },
      });
    }
  });

  it('has a replica in every region, each with PITR, deletion protection and its own region key', () => {
    expect(props.Replicas.map((r) => r.Region).sort()).toEqual([...config.regions].sort());
    for (const replica of props.Replicas) {
      const region = replica.Region as string;
      expect(replica).toMatchObject({
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: {
          PointInTimeRecoveryEnabled: true,
          RecoveryPeriodInDays: PITR_RECOVERY_DAYS,
        },
      });
      const keyId = (replica.SSESpecification as { KMSMasterKeyId: unknown }).KMSMasterKeyId;
      // arn:aws:kms:<replica region>:<account>:key/<the multi-region key id, the same in every region>
      const [, parts] = (keyId as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      expect(parts[0]).toBe(`arn:aws:kms:${region}:${config.account}:key/`);
      expect(stackOutputRef(parts[1])).toMatchObject({
        StackName: names.sealingKey,
        Region: config.sealingKeyRegion,
      });
      expect(stackOutputRef(parts[1])!.OutputName).toMatch(/RefSealingKey/);
    }
  });

  it('is retained when its stack is deleted', () => {
    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

/** A key stack's resources of one type whose logical id starts with `prefix` (SealingKey, PepperKey). */
const keysOf = (stack: Parameters<typeof built.template>[0], type: string, prefix: string) =>
  resourcesOf(json(stack), type).filter((r) => r.id.startsWith(prefix));

describe('sealing key', () => {
  const primary = keysOf(stacks.sealingKey!, 'AWS::KMS::Key', 'SealingKey');

  it('is a multi-region symmetric key with rotation, retained', () => {
    expect(primary).toHaveLength(1);
    expect(primary[0]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        MultiRegion: true,
        EnableKeyRotation: true,
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        PendingWindowInDays: 30,
      },
    });
  });

  it('has a replica of the primary in each replica region', () => {
    for (const [region, stack] of stacks.sealingKeyReplicas) {
      const replicas = keysOf(stack, 'AWS::KMS::ReplicaKey', 'SealingKey');
      expect(replicas).toHaveLength(1);
      expect(replicas[0]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { Enabled: true } });
      expect(stackOutputRef(replicas[0]!.Properties.PrimaryKeyArn)).toMatchObject({
        StackName: names.sealingKey,
        Region: config.primaryRegion,
      });
      expect(stack.region).toBe(region);
      built.template(stack).hasResourceProperties('AWS::KMS::Alias', {
        AliasName: `alias/${config.namePrefix}-sealing-key`,
      });
    }
  });

  const policies: [string, Statement[]][] = [
    [config.primaryRegion, primary[0]!.Properties.KeyPolicy as never],
    ...[...stacks.sealingKeyReplicas].map(
      ([region, stack]) =>
        [region, keysOf(stack, 'AWS::KMS::ReplicaKey', 'SealingKey')[0]!.Properties.KeyPolicy as never] as [
          string,
          Statement[],
        ],
    ),
  ].map(([region, doc]) => [region, (doc as unknown as { Statement: Statement[] }).Statement]);

  it.each(policies)(
    'key policy in %s: only the declared roles open and seal, under the sealing context',
    (region, statements) => {
      for (const statement of statements) {
        for (const action of actionsOf(statement)) expect(action).not.toContain('*');
      }
      const admin = statements.find((s) => s.Sid === 'KeyAdministration')!;
      expect(actionsOf(admin).sort()).toEqual([...KEY_ADMINISTRATION_ACTIONS].sort());
      for (const forbidden of [
        'kms:Decrypt',
        'kms:Encrypt',
        'kms:CreateGrant',
        'kms:ReEncryptFrom',
        'kms:GenerateDataKey',
      ]) {
        expect(actionsOf(admin)).not.toContain(forbidden);
      }
      // Everything that decrypts is conditioned: through DynamoDB only, or by role and context.
      for (const statement of statements.filter((s) => actionsOf(s).includes('kms:Decrypt'))) {
        expect(statement.Condition).toBeDefined();
        const viaDynamoDb =
          statement.Condition!.StringEquals?.['kms:ViaService'] === `dynamodb.${region}.amazonaws.com`;
        const bySealingRole = statement.Condition!.ArnEquals?.['aws:PrincipalArn'] !== undefined;
        expect(viaDynamoDb || bySealingRole).toBe(true);
      }
      for (const [verb, action, field] of [
        ['Open', 'kms:Decrypt', 'opens'],
        ['Seal', 'kms:Encrypt', 'seals'],
      ] as const) {
        for (const purpose of ['offline-eat', 'totp-seed'] as const) {
          const sid = `${verb}${purpose === 'offline-eat' ? 'OfflineEat' : 'TotpSeed'}`;
          const expectedRoles = catalog.all
            .filter((spec) => (spec.access[field] as readonly string[]).includes(purpose))
            .map((spec) => functionRoleName(config.namePrefix, spec.name, region));
          const statement = statements.find((s) => s.Sid === sid);
          if (expectedRoles.length === 0) {
            expect(statement).toBeUndefined();
            continue;
          }
          expect(actionsOf(statement!)).toEqual([action]);
          expect(statement!.Condition).toMatchObject({
            StringEquals: { 'kms:EncryptionContext:purpose': [purpose] },
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose', 'serial', 'generation'] },
            Null: { 'kms:EncryptionContext:serial': 'false', 'kms:EncryptionContext:generation': 'false' },
          });
          const named = JSON.stringify(statement!.Condition!.ArnEquals!['aws:PrincipalArn']);
          const roles = [...named.matchAll(/:role\/([a-z0-9-]+)/g)].map((m) => m[1]);
          expect(roles.sort()).toEqual(expectedRoles.sort());
        }
      }
    },
  );

  it('lets the admin view open offline codes but not seeds, and nothing else open anything', () => {
    const primaryPolicy = policies[0]![1];
    const openers = (sid: string) =>
      JSON.stringify(primaryPolicy.find((s) => s.Sid === sid)?.Condition?.ArnEquals ?? {});
    expect(openers('OpenOfflineEat')).toContain(`/${config.namePrefix}-admin-view-`);
    expect(openers('OpenTotpSeed')).not.toContain('admin-view');
    for (const name of ['admin-search', 'admin-change', 'admin-audit', 'openapi', 'sweep']) {
      expect(openers('OpenOfflineEat')).not.toContain(`-${name}-`);
      expect(openers('OpenTotpSeed')).not.toContain(`-${name}-`);
    }
  });
});

describe('pepper key', () => {
  const primary = keysOf(stacks.sealingKey!, 'AWS::KMS::Key', 'PepperKey');
  const peppering = catalog.all.filter((spec) => spec.access.peppers.length > 0).map((spec) => spec.name);

  it('is a multi-region HMAC_256 key for GENERATE_VERIFY_MAC, in the sealing key stack, retained', () => {
    expect(primary).toHaveLength(1);
    expect(primary[0]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        MultiRegion: true,
        KeySpec: 'HMAC_256',
        KeyUsage: 'GENERATE_VERIFY_MAC',
        Enabled: true,
        PendingWindowInDays: 30,
      },
    });
    // KMS rotates no HMAC key; asking would fail the deployment.
    expect(primary[0]!.Properties.EnableKeyRotation).toBeUndefined();
    built.template(stacks.sealingKey!).hasResourceProperties('AWS::KMS::Alias', {
      AliasName: `alias/${config.namePrefix}-pepper-key`,
    });
  });

  it('has a replica of the primary in each replica region, with its alias', () => {
    for (const [region, stack] of stacks.sealingKeyReplicas) {
      const replicas = keysOf(stack, 'AWS::KMS::ReplicaKey', 'PepperKey');
      expect(replicas).toHaveLength(1);
      expect(replicas[0]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { Enabled: true } });
      expect(stackOutputRef(replicas[0]!.Properties.PrimaryKeyArn)).toMatchObject({
        StackName: names.sealingKey,
        Region: config.primaryRegion,
        OutputName: expect.stringContaining('PepperKeyArn'),
      });
      expect(stack.region).toBe(region);
      built.template(stack).hasResourceProperties('AWS::KMS::Alias', {
        AliasName: `alias/${config.namePrefix}-pepper-key`,
      });
    }
  });

  it('is used only by the functions that issue or check codes and set or check PINs', () => {
    expect(peppering).toEqual(['admin-manage', 'agent-authenticate']);
  });

  const policies: [string, Statement[]][] = [
    [config.primaryRegion, primary[0]!.Properties.KeyPolicy],
    ...[...stacks.sealingKeyReplicas].map(
      ([region, stack]) =>
        [region, keysOf(stack, 'AWS::KMS::ReplicaKey', 'PepperKey')[0]!.Properties.KeyPolicy] as const,
    ),
  ].map(([region, doc]) => [region as string, (doc as { Statement: Statement[] }).Statement]);

  it.each(policies)(
    'key policy in %s: administration, and GenerateMac with HMAC_SHA_256 for the peppering roles only',
    (region, statements) => {
      expect(statements.map((s) => s.Sid)).toEqual(['KeyAdministration', 'PepperSecrets']);
      expect(actionsOf(statements[0]!).sort()).toEqual([...KEY_ADMINISTRATION_ACTIONS].sort());
      const pepper = statements[1]!;
      expect(actionsOf(pepper)).toEqual(['kms:GenerateMac']);
      expect(pepper.Condition!.StringEquals).toEqual({ 'kms:MacAlgorithm': 'HMAC_SHA_256' });
      const named = JSON.stringify(pepper.Condition!.ArnEquals!['aws:PrincipalArn']);
      const roles = [...named.matchAll(/:role\/([a-z0-9-]+)/g)].map((m) => m[1]);
      expect(roles).toEqual(peppering.map((name) => functionRoleName(config.namePrefix, name, region)));
      // No other cryptographic use of the key, for anyone: no VerifyMac, no grants, no DynamoDB.
      const all = statements.flatMap(actionsOf);
      for (const forbidden of ['kms:VerifyMac', 'kms:CreateGrant', 'kms:Decrypt', 'kms:Encrypt']) {
        expect(all).not.toContain(forbidden);
      }
    },
  );
});

describe('identity', () => {
  it('by default, a Cognito user pool with MFA, the two scopes and their app clients', () => {
    expect(stacks.identity).toBeDefined();
    const template = built.template(stacks.identity!);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UserPoolTier: 'PLUS',
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'eat',
      Scopes: [Match.objectLike({ ScopeName: 'admin' }), Match.objectLike({ ScopeName: 'agent' })],
    });
    const clients = resourcesOf(json(stacks.identity!), 'AWS::Cognito::UserPoolClient').map(
      (c) => c.Properties,
    );
    const console = clients.filter((c) => JSON.stringify(c.AllowedOAuthFlows) === '["code"]');
    expect(console).toHaveLength(1);
    expect(console[0]).toMatchObject({ GenerateSecret: false, ClientName: 'help-desk-console' });
    expect(JSON.stringify(console[0]!.AllowedOAuthScopes)).toMatch(/"\/admin"/);
    expect(JSON.stringify(console[0]!.AllowedOAuthScopes)).not.toMatch(/"\/agent"/);
    const agents = clients.filter((c) => JSON.stringify(c.AllowedOAuthFlows) === '["client_credentials"]');
    expect(agents.map((c) => c.ClientName)).toEqual(['default-agent']);
    expect(agents[0]).toMatchObject({ GenerateSecret: true });
    expect(JSON.stringify(agents[0]!.AllowedOAuthScopes)).toMatch(/"\/agent"/);
    expect(JSON.stringify(agents[0]!.AllowedOAuthScopes)).not.toMatch(/"\/admin"/);
    expect(clients).toHaveLength(2);
  });

  it('makes the groups that grant administrators their domains: all domains, and each configured one', () => {
    const groups = resourcesOf(json(stacks.identity!), 'AWS::Cognito::UserPoolGroup');
    const names = groups.map((g) => g.Properties.GroupName as string);
    expect(names).toEqual(['eat-all-domains', ...Object.keys(DEMO_DOMAINS).map((id) => `eat-domain-${id}`)]);
    for (const group of groups) expect(JSON.stringify(group.Properties.UserPoolId)).toMatch(/UserPool/);
    // Each is read by the claims parser as the grant it is named for.
    expect(domainsOfGroups(names.slice(1))).toEqual(Object.keys(DEMO_DOMAINS));
    expect(domainsOfGroups([names[0]!])).toBe('*');
    const configured = buildApp({ cognitoAdminDomains: 'Finance, HR' });
    const configuredNames = resourcesOf(
      configured.template(configured.stacks.identity!).toJSON() as TemplateJson,
      'AWS::Cognito::UserPoolGroup',
    ).map((g) => g.Properties.GroupName);
    expect(configuredNames).toEqual(['eat-all-domains', 'eat-domain-Finance', 'eat-domain-HR']);
    expect(() => buildApp({ cognitoAdminDomains: 'Sales,Bad Domain' })).toThrow(/cognitoAdminDomains/);
  });

  it("points every region's authorizers at the pool, with each scope's clients as audience", () => {
    for (const [region, stack] of stacks.regionalApis) {
      const authorizers = resourcesOf(json(stack), 'AWS::ApiGatewayV2::Authorizer');
      expect(authorizers).toHaveLength(2);
      for (const authorizer of authorizers) {
        const text = JSON.stringify(authorizer.Properties.JwtConfiguration);
        expect(text).toContain(names.identity);
        expect(text).toContain(`"Region":"${config.primaryRegion}"`);
        expect(stack.region).toBe(region);
      }
      const audience = (name: string) =>
        JSON.stringify(
          authorizers.find((a) => a.Properties.Name === `${config.namePrefix}-${name}`)!.Properties
            .JwtConfiguration,
        );
      expect(audience('eat-admin')).toMatch(/HelpDeskConsoleClient/);
      expect(audience('eat-admin')).not.toMatch(/AgentClient/);
      expect(audience('eat-agent')).toMatch(/AgentClient/);
    }
  });

  it('is off when an OIDC issuer is given: the authorizers trust that issuer and audience', () => {
    const oidc = buildApp({ oidcIssuer: 'https://login.example.com/', oidcAudience: 'eat-api,eat-agents' });
    expect(oidc.stacks.identity).toBeUndefined();
    for (const stack of oidc.stacks.regionalApis.values()) {
      oidc.template(stack).resourcePropertiesCountIs(
        'AWS::ApiGatewayV2::Authorizer',
        {
          AuthorizerType: 'JWT',
          JwtConfiguration: { Issuer: 'https://login.example.com/', Audience: ['eat-api', 'eat-agents'] },
        },
        2,
      );
    }
  });
});

describe('multi-region strong consistency', () => {
  it('is STRONG, without TTL, when asked with exactly three regions', () => {
    const mrsc = buildApp({
      primaryRegion: 'us-east-1',
      replicaRegions: 'us-east-2,us-west-2',
      multiRegionStrongConsistency: 'true',
    });
    const t = mrsc.template(mrsc.stacks.tokenTable).toJSON() as TemplateJson;
    const [global] = resourcesOf(t, 'AWS::DynamoDB::GlobalTable');
    expect(global!.Properties).toMatchObject({ MultiRegionConsistency: 'STRONG' });
    expect(global!.Properties.TimeToLiveSpecification).toBeUndefined();
    expect((global!.Properties.Replicas as unknown[]).length).toBe(3);
    expect(mrsc.warnings(mrsc.stacks.tokenTable)).toContainEqual({
      path: `/${mrsc.stacks.tokenTable.stackName}`,
      message: expect.stringMatching(/no TTL/),
    });
  });

  it('is refused with any other number of regions', () => {
    expect(() => buildApp({ replicaRegions: 'eu-west-1', multiRegionStrongConsistency: 'true' })).toThrow(
      /multiRegionStrongConsistency.*exactly three regions/,
    );
  });
});
