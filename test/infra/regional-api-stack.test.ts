import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openApiDocument } from '../../functions/api/openapi';
import { ALL_ROUTES, openApiRoute } from '../../functions/api/contract/routes';
import { routeKeyOf } from '../../functions/api/contract/route';
import { AUDIT_OUTBOX_FUNCTION } from '../../infra/constructs/audit-outbox-materializer';
import { AUDIT_TRAIL_FUNCTION } from '../../infra/constructs/identity-events';
import { SWEEP_MAX_EVENT_AGE, SWEEP_RETRY_ATTEMPTS } from '../../infra/constructs/expiry-sweep-schedule';
import { PROJECT_ROOT, type FunctionSpec } from '../../infra/function-catalog';
import { functionName, functionRoleName, stackNames } from '../../infra/names';
import {
  actionsOf,
  buildApp,
  iamStatementsOf,
  resourcesOf,
  statementsAttachedTo,
  type Statement,
  type TemplateJson,
} from './support';

const built = buildApp();
const { config, catalog, stacks } = built;
const names = stackNames(config);
const regional = [...stacks.regionalApis.entries()].map(([region, stack]) => ({
  region,
  stack,
  json: built.template(stack).toJSON() as TemplateJson,
}));

/** The stack output a cross-region or cross-stack reference reads. */
const stackOutputRef = (value: unknown) =>
  (value as { 'Fn::GetStackOutput'?: { StackName: string; Region: string } })['Fn::GetStackOutput'];

function lambdaOf(json: TemplateJson, spec: FunctionSpec) {
  const found = resourcesOf(json, 'AWS::Lambda::Function').filter(
    (f) => f.Properties.FunctionName === functionName(config.namePrefix, spec.name),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** The statements of the policies attached to a function's execution role (found by its name). */
function statementsOfRole(json: TemplateJson, region: string, spec: FunctionSpec): Statement[] {
  const roleName = functionRoleName(config.namePrefix, spec.name, region);
  const [role] = resourcesOf(json, 'AWS::IAM::Role').filter((r) => r.Properties.RoleName === roleName);
  expect(role).toBeDefined();
  return statementsAttachedTo(json, role!.id);
}

describe('functions', () => {
  it('derives one function per route group of ALL_ROUTES but the static document, plus the sweep', () => {
    const groups = [...new Set(ALL_ROUTES.map((r) => r.group))].filter((g) => g !== 'openapi');
    expect(catalog.routeGroups.map((s) => s.name)).toEqual(groups);
    expect(catalog.staticRoutes).toEqual([openApiRoute]);
    expect(catalog.sweep.name).toBe('sweep');
    for (const { json } of regional) {
      // and the audit outbox materializer, and CDK's custom resource provider that looks up the stream
      // ARN (audit-outbox.test.ts) and writes the OpenAPI document, and the audit trail's stream consumer
      // (identity-events.test.ts)
      expect(resourcesOf(json, 'AWS::Lambda::Function')).toHaveLength(groups.length + 4);
    }
  });

  it.each(catalog.all.map((spec) => [spec.name, spec] as const))(
    '%s: its handler file exists and exports handler',
    (_name, spec) => {
      expect(spec.entry).toBe(path.join(PROJECT_ROOT, 'functions', `${spec.name}.ts`));
      expect(existsSync(spec.entry)).toBe(true);
      expect(readFileSync(spec.entry, 'utf8')).toMatch(/^export (const|async function|function) handler\b/m);
    },
  );

  it('runs every function on ARM64 and the newest Node runtime, traced, with its own log group', () => {
    for (const { json } of regional) {
      for (const spec of catalog.all) {
        const fn = lambdaOf(json, spec).Properties;
        expect(fn.Runtime).toBe('nodejs24.x');
        expect(fn.Architectures).toEqual(['arm64']);
        expect(fn.Handler).toBe('index.handler');
        expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
        expect(fn.LoggingConfig).toMatchObject({ LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } });
        expect(fn.MemorySize).toBe(spec.sizing.memorySizeMb);
        expect(fn.Timeout).toBe(spec.sizing.timeoutSeconds);
      }
    }
  });

  it('traces every function, the stream consumers included, and keeps replies and errors out of the traces', () => {
    const names = [...catalog.all.map((spec) => spec.name), AUDIT_OUTBOX_FUNCTION, AUDIT_TRAIL_FUNCTION];
    for (const { json } of regional) {
      for (const name of names) {
        const fn = lambdaOf(json, { name } as FunctionSpec).Properties;
        expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
        // A reply may hold an emergency code: the handler's segment never records it.
        expect((fn.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
          POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
          POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
        });
      }
    }
  });

  it("names the table and its region's key in the environment of every function that uses data", () => {
    for (const { region, json } of regional) {
      const keyStack = region === config.primaryRegion ? names.sealingKey : names.sealingKeyReplica(region);
      for (const spec of catalog.all) {
        const env = (lambdaOf(json, spec).Properties.Environment as { Variables: Record<string, unknown> })
          .Variables;
        expect(env.REGION_NAME).toBe(region);
        expect(env.MAX_EAT_LIFETIME_DAYS).toBe(String(config.maxEmergencyCodeLifetimeDays));
        if (spec.access.table === 'none') {
          expect(env.TABLE_NAME).toBeUndefined();
          expect(env.KMS_KEY_ARN).toBeUndefined();
          continue;
        }
        expect(env.TABLE_NAME).toBe(config.tableName);
        expect(env.SEALER).toBe('kms');
        expect(stackOutputRef(env.KMS_KEY_ARN)).toMatchObject({ StackName: keyStack, Region: region });
      }
    }
  });

  it("names the region's pepper key only to the functions that pepper codes or PINs", () => {
    for (const { region, json } of regional) {
      const keyStack = region === config.primaryRegion ? names.sealingKey : names.sealingKeyReplica(region);
      const told = catalog.all.filter((spec) => {
        const env = (lambdaOf(json, spec).Properties.Environment as { Variables: Record<string, unknown> })
          .Variables;
        if (env.PEPPER_KEY_ARN === undefined) return false;
        expect(stackOutputRef(env.PEPPER_KEY_ARN)).toMatchObject({
          StackName: keyStack,
          Region: region,
          OutputName: expect.stringMatching(/PepperKey(Replica)?Arn/),
        });
        return true;
      });
      expect(told.map((spec) => spec.name)).toEqual(['admin-manage', 'agent-authenticate']);
    }
  });

  it('serves the public OpenAPI document with no function: a file behind CloudFront, proxied by the API', () => {
    expect(catalog.all.map((s) => s.name)).not.toContain('openapi');
    for (const { json } of regional) {
      const [distribution] = resourcesOf(json, 'AWS::CloudFront::Distribution');
      const [route] = resourcesOf(json, 'AWS::ApiGatewayV2::Route').filter(
        (r) => r.Properties.RouteKey === routeKeyOf(openApiRoute),
      );
      const integrationId = (route!.Properties.Target as { 'Fn::Join': [string, { Ref: string }[]] })[
        'Fn::Join'
      ][1][1]!.Ref;
      const integration = resourcesOf(json, 'AWS::ApiGatewayV2::Integration').find(
        (i) => i.id === integrationId,
      )!.Properties;
      expect(integration).toMatchObject({ IntegrationType: 'HTTP_PROXY', IntegrationMethod: 'GET' });
      expect(integration.IntegrationUri).toEqual({
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution!.id, 'DomainName'] }, openApiRoute.path]],
      });
      expect(route!.Properties.AuthorizationType).toBe('NONE');

      // The file: written at deployment with the document the route table makes, public for 5 minutes.
      const [file] = resourcesOf(json, 'Custom::AWS').filter((r) =>
        JSON.stringify(r.Properties.Create ?? '').includes('putObject'),
      );
      // The call is a string joined with the bucket's name (a reference): put a placeholder there.
      const [, parts] = (file!.Properties.Create as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      const call = parts.map((part) => (typeof part === 'string' ? part : 'the-bucket')).join('');
      const put = JSON.parse(call) as { parameters: Record<string, unknown> };
      expect(put.parameters).toMatchObject({
        Bucket: 'the-bucket',
        Key: 'v1/openapi.json',
        ContentType: 'application/json',
        CacheControl: 'public, max-age=300',
      });
      expect(JSON.parse(String(put.parameters.Body))).toEqual(openApiDocument(ALL_ROUTES));

      // Only CloudFront reads the bucket; nothing public.
      const [bucket] = resourcesOf(json, 'AWS::S3::Bucket');
      expect(bucket!.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const [policy] = resourcesOf(json, 'AWS::S3::BucketPolicy');
      const readers = (policy!.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter(
        (st) => st.Effect === 'Allow',
      );
      expect(readers.map((st) => st.Principal)).toEqual([{ Service: 'cloudfront.amazonaws.com' }]);
    }
  });
});

describe('least privilege', () => {
  it('has no IAM statement with a wildcard action, and * resources only for X-Ray', () => {
    for (const { json } of built.templates()) {
      for (const { resource, statement } of iamStatementsOf(json)) {
        for (const action of actionsOf(statement))
          expect({ resource, action }).toEqual({
            resource,
            action: expect.not.stringContaining('*'),
          });
        if (
          statement.Resource === '*' ||
          (Array.isArray(statement.Resource) && statement.Resource.includes('*'))
        ) {
          expect(actionsOf(statement).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
        }
      }
    }
  });

  it('grants each function exactly its declared table, index and key access', () => {
    for (const { region, json } of regional) {
      for (const spec of catalog.all) {
        const statements = statementsOfRole(json, region, spec);
        const actions = statements.flatMap(actionsOf).sort();
        const expected = [
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ];
        const { access } = spec;
        if (access.table !== 'none') expected.push('dynamodb:GetItem', 'dynamodb:Query');
        if (access.table === 'read-write' || access.appendsAudit === true) expected.push('dynamodb:PutItem');
        if (access.deletes) expected.push('dynamodb:DeleteItem');
        if (access.clientBudget === true) expected.push('dynamodb:UpdateItem');
        if (access.indexes.length > 0) expected.push('dynamodb:Query');
        if (access.opens.length > 0) expected.push('kms:Decrypt');
        if (access.seals.length > 0) expected.push('kms:Encrypt');
        if (access.peppers.length > 0) expected.push('kms:GenerateMac');
        if (access.signsAuditExports === true) expected.push('kms:Sign', 'kms:GetPublicKey');
        // The regions' view of a change: the table's replicas in the other regions (replication-view.test.ts).
        if (access.readsReplicaTables === true) expected.push('dynamodb:GetItem', 'dynamodb:Query');
        // The sweep hands its failed runs to its dead-letter queue (Lambda's asynchronous on-failure).
        if (spec.name === 'sweep')
          expected.push('sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage');
        expect({ fn: spec.name, actions }).toEqual({ fn: spec.name, actions: expected.sort() });

        const indexStatement = statements.find((s) => s.Sid === 'QueryTokenTableIndexes');
        const indexArns = JSON.stringify(indexStatement?.Resource ?? []);
        for (const index of [
          'byUserId',
          'byDomainLastName',
          'byDomainFirstName',
          'byLastName',
          'byExpiry',
          'byType',
        ]) {
          expect({ fn: spec.name, index, granted: indexArns.includes(`/index/${index}"`) }).toEqual({
            fn: spec.name,
            index,
            granted: access.indexes.includes(index as never),
          });
        }
        for (const [sid, purposes] of [
          ['OpenSealedSecrets', access.opens],
          ['SealSecrets', access.seals],
        ] as const) {
          const statement = statements.find((s) => s.Sid === sid);
          if (purposes.length === 0) {
            expect(statement).toBeUndefined();
            continue;
          }
          expect(statement?.Condition).toEqual({
            StringEquals: { 'kms:EncryptionContext:purpose': [...purposes] },
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose', 'serial', 'generation'] },
            Null: { 'kms:EncryptionContext:serial': 'false', 'kms:EncryptionContext:generation': 'false' },
          });
        }
      }
    }
  });

  it('grants GenerateMac on the pepper key alone, with HMAC_SHA_256, to the peppering functions alone', () => {
    for (const { region, json } of regional) {
      const keyStack = region === config.primaryRegion ? names.sealingKey : names.sealingKeyReplica(region);
      const granted = catalog.all.filter((spec) => {
        const statements = statementsOfRole(json, region, spec);
        const macs = statements.filter((s) => actionsOf(s).some((a) => a.includes('Mac')));
        if (macs.length === 0) return false;
        expect(macs).toHaveLength(1);
        expect(macs[0]!.Sid).toBe('PepperSecrets');
        expect(actionsOf(macs[0]!)).toEqual(['kms:GenerateMac']);
        expect(stackOutputRef(macs[0]!.Resource)).toMatchObject({
          StackName: keyStack,
          OutputName: expect.stringMatching(/PepperKey(Replica)?Arn/),
        });
        expect(macs[0]!.Condition).toEqual({ StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } });
        return true;
      });
      expect(granted.map((spec) => spec.name)).toEqual(['admin-manage', 'agent-authenticate']);
    }
  });

  it('never grants Scan, BatchGetItem or transactions', () => {
    for (const { json } of regional) {
      const actions = iamStatementsOf(json).flatMap(({ statement }) => actionsOf(statement));
      for (const forbidden of ['dynamodb:Scan', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem']) {
        expect(actions).not.toContain(forbidden);
      }
      expect(actions.filter((a) => a.startsWith('dynamodb:Transact'))).toEqual([]);
    }
  });

  it('names each execution role as the key policies expect', () => {
    for (const { region, json } of regional) {
      const roleNames = resourcesOf(json, 'AWS::IAM::Role')
        .map((r) => r.Properties.RoleName)
        .filter((n) => typeof n === 'string');
      expect(roleNames.sort()).toEqual(
        [...catalog.all.map((s) => s.name), AUDIT_OUTBOX_FUNCTION, AUDIT_TRAIL_FUNCTION]
          .map((name) => functionRoleName(config.namePrefix, name, region))
          .sort(),
      );
    }
  });
});

describe('HTTP API', () => {
  it('routes every route of ALL_ROUTES, each behind the JWT authorizer of its scope', () => {
    for (const { json } of regional) {
      const authorizers = Object.fromEntries(
        resourcesOf(json, 'AWS::ApiGatewayV2::Authorizer').map((a) => [a.id, a.Properties]),
      );
      const routes = resourcesOf(json, 'AWS::ApiGatewayV2::Route').map((r) => r.Properties);
      expect(routes.map((r) => r.RouteKey).sort()).toEqual(ALL_ROUTES.map(routeKeyOf).sort());
      for (const route of ALL_ROUTES) {
        const props = routes.find((r) => r.RouteKey === routeKeyOf(route))!;
        if (route.scope === null) {
          expect(props.AuthorizationType).toBe('NONE');
          continue;
        }
        expect(props.AuthorizationType).toBe('JWT');
        expect(props.AuthorizationScopes).toEqual([route.scope]);
        const authorizer = authorizers[(props.AuthorizerId as { Ref: string }).Ref];
        expect(authorizer).toMatchObject({
          AuthorizerType: 'JWT',
          IdentitySource: ['$request.header.Authorization'],
          Name: `${config.namePrefix}-${route.scope.replace('/', '-')}`,
        });
      }
    }
  });

  it('only the public OpenAPI document goes without an authorizer', () => {
    const publicRoutes = ALL_ROUTES.filter((r) => r.scope === null).map(routeKeyOf);
    expect(publicRoutes).toEqual(['GET /v1/openapi.json']);
  });

  it('sends each route to its route group function, with payload format 2.0', () => {
    for (const { json } of regional) {
      const integrations = Object.fromEntries(
        resourcesOf(json, 'AWS::ApiGatewayV2::Integration').map((i) => [i.id, i.Properties]),
      );
      const functionIds = Object.fromEntries(
        resourcesOf(json, 'AWS::Lambda::Function').map((f) => [f.id, f.Properties.FunctionName]),
      );
      for (const route of resourcesOf(json, 'AWS::ApiGatewayV2::Route')) {
        const definition = ALL_ROUTES.find((r) => routeKeyOf(r) === route.Properties.RouteKey)!;
        if (definition === openApiRoute) continue; // no function: a static file
        const target = route.Properties.Target as { 'Fn::Join': [string, unknown[]] };
        const integrationId = (target['Fn::Join'][1][1] as { Ref: string }).Ref;
        const integration = integrations[integrationId]!;
        expect(integration.PayloadFormatVersion).toBe('2.0');
        const fnId = (integration.IntegrationUri as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        expect(functionIds[fnId]).toBe(functionName(config.namePrefix, definition.group));
      }
    }
  });

  it('logs every request as JSON and throttles the stage', () => {
    for (const { json } of regional) {
      const [stage] = resourcesOf(json, 'AWS::ApiGatewayV2::Stage');
      expect(stage!.Properties).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: config.apiThrottle.rateLimit,
          ThrottlingBurstLimit: config.apiThrottle.burstLimit,
        },
        AccessLogSettings: { DestinationArn: expect.anything(), Format: expect.any(String) },
      });
      const format = JSON.parse((stage!.Properties.AccessLogSettings as { Format: string }).Format);
      expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
      expect(JSON.stringify(format)).not.toMatch(/header|body/i);
    }
  });

  it('outputs each region API endpoint', () => {
    for (const { json } of regional) {
      expect(json.Outputs?.ApiEndpoint?.Value).toBeDefined();
    }
  });
});

describe('expiry sweep', () => {
  it('invokes the sweep function on its schedule with retries and a dead-letter queue', () => {
    for (const { json } of regional) {
      const [schedule] = resourcesOf(json, 'AWS::Scheduler::Schedule');
      const sweepId = resourcesOf(json, 'AWS::Lambda::Function').find(
        (f) => f.Properties.FunctionName === functionName(config.namePrefix, 'sweep'),
      )!.id;
      const [queue] = resourcesOf(json, 'AWS::SQS::Queue');
      expect(schedule!.Properties).toMatchObject({
        ScheduleExpression: config.sweepSchedule,
        State: 'ENABLED', // the sweep runs in every region by default
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: { 'Fn::GetAtt': [sweepId, 'Arn'] },
          RetryPolicy: {
            MaximumRetryAttempts: SWEEP_RETRY_ATTEMPTS,
            MaximumEventAgeInSeconds: SWEEP_MAX_EVENT_AGE.toSeconds(),
          },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue!.id, 'Arn'] } },
        },
      });
      const target = schedule!.Properties.Target as {
        RoleArn: { 'Fn::GetAtt': [string, string] };
        Input: string;
      };
      expect(JSON.parse(target.Input)).toEqual(expect.not.objectContaining({ now: expect.anything() }));
      const roleStatements = statementsAttachedTo(json, target.RoleArn['Fn::GetAtt'][0]);
      expect(roleStatements.flatMap(actionsOf).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
      const invoke = roleStatements.find((s) => actionsOf(s).includes('lambda:InvokeFunction'))!;
      expect(JSON.stringify(invoke.Resource)).toContain(sweepId);
      expect(JSON.stringify(invoke.Resource).match(/"Fn::GetAtt"/g)).toHaveLength(2);
      expect(queue!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    }
  });

  it('retries a failed run (Lambda invokes it asynchronously) and hands it to the same queue', () => {
    for (const { json } of regional) {
      const sweepId = resourcesOf(json, 'AWS::Lambda::Function').find(
        (f) => f.Properties.FunctionName === functionName(config.namePrefix, 'sweep'),
      )!.id;
      const [queue] = resourcesOf(json, 'AWS::SQS::Queue');
      const configs = resourcesOf(json, 'AWS::Lambda::EventInvokeConfig');
      expect(configs).toHaveLength(1);
      expect(configs[0]!.Properties).toEqual({
        FunctionName: { Ref: sweepId },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: SWEEP_RETRY_ATTEMPTS,
        MaximumEventAgeInSeconds: SWEEP_MAX_EVENT_AGE.toSeconds(),
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue!.id, 'Arn'] } } },
      });
    }
  });

  it('enables the schedule in every region by default, and in one region with sweepRegion=<region>', () => {
    const everywhere = buildApp({});
    for (const stack of everywhere.stacks.regionalApis.values()) {
      everywhere.template(stack).hasResourceProperties('AWS::Scheduler::Schedule', { State: 'ENABLED' });
    }
    const one = buildApp({ sweepRegion: 'eu-west-1' });
    for (const [region, stack] of one.stacks.regionalApis.entries()) {
      one.template(stack).hasResourceProperties('AWS::Scheduler::Schedule', {
        State: region === 'eu-west-1' ? 'ENABLED' : 'DISABLED',
      });
    }
  });
});

describe('alarms', () => {
  it("alarms on each function's errors and throttles, the sweep's dead letters and the API's 5xx", () => {
    for (const { json } of regional) {
      const alarms = resourcesOf(json, 'AWS::CloudWatch::Alarm').map((a) => a.Properties);
      const functionIds = Object.fromEntries(
        resourcesOf(json, 'AWS::Lambda::Function').map((f) => [f.id, f.Properties.FunctionName]),
      );
      for (const spec of catalog.all) {
        for (const metric of ['Errors', 'Throttles']) {
          const found = alarms.filter(
            (a) =>
              a.MetricName === metric &&
              a.Namespace === 'AWS/Lambda' &&
              functionIds[((a.Dimensions as { Value: { Ref: string } }[])[0]!.Value.Ref as string) ?? ''] ===
                functionName(config.namePrefix, spec.name),
          );
          expect({ fn: spec.name, metric, alarms: found.length }).toEqual({
            fn: spec.name,
            metric,
            alarms: 1,
          });
        }
      }
      expect(alarms).toContainEqual(
        expect.objectContaining({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' }),
      );
      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'AWS/Scheduler',
          MetricName: 'InvocationsFailedToBeSentToDeadLetterCount',
        }),
      );
      expect(alarms).toContainEqual(
        expect.objectContaining({ Namespace: 'AWS/ApiGateway', MetricName: '5xx' }),
      );
    }
  });

  it('alarms when the audit outbox materializer is an hour behind its stream, long before the stream drops records', () => {
    for (const { json } of regional) {
      const functionIds = Object.fromEntries(
        resourcesOf(json, 'AWS::Lambda::Function').map((f) => [f.id, f.Properties.FunctionName]),
      );
      const [lag] = resourcesOf(json, 'AWS::CloudWatch::Alarm')
        .map((a) => a.Properties)
        .filter((a) => a.MetricName === 'IteratorAge');
      expect(lag).toMatchObject({
        Namespace: 'AWS/Lambda',
        Statistic: 'Maximum',
        Threshold: 3_600_000,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      const dimension = (lag!.Dimensions as { Value: { Ref: string } }[])[0]!.Value.Ref;
      expect(functionIds[dimension]).toBe(functionName(config.namePrefix, AUDIT_OUTBOX_FUNCTION));
    }
  });
});
