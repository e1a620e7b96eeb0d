import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from './support';

/** Synthesizes with cdk-nag's AwsSolutions pack, as infra/app.ts does; the error it throws, if any. */
function nagErrorOf(app: App): Error | undefined {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

/** Every acknowledgement in the app: the construct path without its stack, the rule and the reason. */
function acknowledgementsOf(app: App) {
  const found: { path: string; rule: string; reason: string }[] = [];
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [rule, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path.split('/').slice(1).join('/'), rule, reason });
      }
    }
  }
  return found;
}

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the whole app', () => {
    const { app } = buildApp();
    const error = nagErrorOf(app);
    expect(error?.message).toBeUndefined();
  });

  it('acknowledges only the reviewed findings, each with its reason', () => {
    const { app, catalog, stacks } = buildApp();
    const acknowledged = acknowledgementsOf(app);
    const perRegion = [
      ...catalog.all.map((spec) => ({
        path: `${pascal(spec.name)}Function/ExecutionRole`,
        rule: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      })),
      // The audit outbox materializer (X-Ray, as every function) and its stream ARN lookup's provider.
      { path: 'AuditOutboxFunction/ExecutionRole', rule: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]' },
      {
        path: `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
        rule: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      },
      // The audit trail's consumer (X-Ray) and the identity events' example topic (no secret in an event).
      { path: 'AuditTrailFunction/ExecutionRole', rule: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]' },
      { path: 'IdentityEvents/ExampleTopic', rule: 'AwsSolutions::AwsSolutions-SNS2' },
      // The public OpenAPI document: a file in a private bucket behind CloudFront, and its public route.
      { path: 'OpenApiDocument/Bucket', rule: 'AwsSolutions::AwsSolutions-S1' },
      ...['CFR1', 'CFR2', 'CFR3', 'CFR4'].map((rule) => ({
        path: 'OpenApiDocument/Distribution',
        rule: `AwsSolutions::AwsSolutions-${rule}`,
      })),
      { path: 'Api/HttpApi/GET--v1--openapi.json', rule: 'AwsSolutions::AwsSolutions-APIG4' },
      { path: 'ExpirySweep/DeadLetterQueue', rule: 'AwsSolutions::AwsSolutions-SQS3' },
      {
        path: 'ExpirySweep/SchedulerRole',
        rule: expect.stringMatching(
          /^AwsSolutions::AwsSolutions-IAM5\[Resource::<SweepFunction[0-9A-F]+\.Arn>:\*\]$/,
        ),
      },
    ];
    // The audit archive (on by default): no access-log bucket, and Firehose's two object prefixes.
    const archive = [
      { path: 'AuditArchive/Bucket', rule: 'AwsSolutions::AwsSolutions-S1' },
      ...['audit', 'failed'].map((prefix) => ({
        path: 'AuditArchive/DeliveryRole',
        rule: expect.stringMatching(
          new RegExp(
            `^AwsSolutions::AwsSolutions-IAM5\\[Resource::<AuditArchiveBucket[0-9A-F]+\\.Arn>/${prefix}/\\*\\]$`,
          ),
        ),
      })),
    ];
    expect(stacks.auditArchive).toBeDefined();
    expect(acknowledged.map(({ path, rule }) => ({ path, rule }))).toEqual([
      ...[...stacks.regionalApis.keys()].flatMap(() => perRegion),
      ...archive,
    ]);
    for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(80);
  });

  it('finds nothing unacknowledged with an external OIDC issuer and the sweep in every region', () => {
    const { app } = buildApp({
      oidcIssuer: 'https://login.example.com/',
      oidcAudience: 'eat-api',
      sweepRegion: 'all',
      alarmTopicName: 'ops-alarms',
    });
    expect(nagErrorOf(app)?.message).toBeUndefined();
  });

  it('fails the synth on a finding nobody acknowledged (so the two tests above can fail)', () => {
    const app = new App();
    const stack = new Stack(app, 'Unreviewed', { env: { region: 'us-east-1' } });
    new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }).addToPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }),
    );
    expect(nagErrorOf(app)?.message).toMatch(/AwsSolutions-IAM5\[Action::dynamodb:\*\]/);
  });
});

const pascal = (name: string) =>
  name
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
