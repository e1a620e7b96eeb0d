/**
 * Finding 6 of the trust review, and the infrastructure half of finding 5, in the synthesized app: each
 * function's table access is confined to the partitions it needs (dynamodb:LeadingKeys), nothing but the
 * sweep deletes and never in a token's partition (where audit events live), only online authentication
 * counts client budgets and it has reserved concurrency; every audit event also goes to an append-only
 * archive (stream, pipe, Firehose, S3 with Object Lock in compliance mode).
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ARCHIVE_WRITE_ACTIONS, AUDIT_EVENT_FILTER } from '../../infra/constructs/audit-archive';
import { attributeConditions } from '../../infra/constructs/service-function';
import { PIN_REGISTER_ATTRIBUTE, PROJECTION } from '../../shared/adapters/dynamodb/keys';
import { functionRoleName } from '../../infra/names';
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
const regional = [...stacks.regionalApis.entries()].map(([region, stack]) => ({
  region,
  json: built.template(stack).toJSON() as TemplateJson,
}));
const tableJson = built.template(stacks.tokenTable).toJSON() as TemplateJson;
/** The archive is on by default: its own stack in the primary region. */
const archiveJson = built.template(stacks.auditArchive!).toJSON() as TemplateJson;

function roleStatements(json: TemplateJson, region: string, name: string): Statement[] {
  const roleName = functionRoleName(config.namePrefix, name, region);
  const [role] = resourcesOf(json, 'AWS::IAM::Role').filter((r) => r.Properties.RoleName === roleName);
  return statementsAttachedTo(json, role!.id);
}

/** The partition prefixes a function's statements with `action` on the table may touch. */
function partitionsFor(statements: Statement[], action: string): string[][] {
  return statements
    .filter(
      (s) =>
        actionsOf(s).includes(action) &&
        JSON.stringify(s.Resource).includes(':table/') &&
        !JSON.stringify(s.Resource).includes('/index/'),
    )
    .map((s) => {
      const condition = (s as { Condition?: Record<string, Record<string, string[]>> }).Condition;
      return condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? ['(any partition)'];
    });
}

describe('item-level least privilege on the token table', () => {
  it('confines every table action of every function to named partitions, never the budget counters but for online authentication', () => {
    for (const { region, json } of regional) {
      for (const spec of catalog.all) {
        const statements = roleStatements(json, region, spec.name);
        for (const action of [
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:DeleteItem',
          'dynamodb:UpdateItem',
        ]) {
          for (const partitions of partitionsFor(statements, action)) {
            expect({ fn: spec.name, action, partitions }).toEqual({
              fn: spec.name,
              action,
              partitions: expect.arrayContaining([
                expect.stringMatching(/^(TOKEN|USER|DOMAIN|AGENT|BUDGET)#\*$/),
              ]),
            });
            expect(partitions.every((p) => /^(TOKEN|USER|DOMAIN|AGENT|BUDGET)#\*$/.test(p))).toBe(true);
            if (partitions.includes('BUDGET#*')) {
              expect({ fn: spec.name, action, partitions }).toEqual({
                fn: 'agent-authenticate',
                action: 'dynamodb:UpdateItem',
                partitions: ['BUDGET#*'],
              });
            }
          }
        }
      }
    }
  });

  it('lets the read-only search and audit functions read no user, agent or budget item, and write nothing', () => {
    for (const { region, json } of regional) {
      const audit = roleStatements(json, region, 'admin-audit');
      expect(partitionsFor(audit, 'dynamodb:GetItem')).toEqual([['TOKEN#*']]);
      const search = roleStatements(json, region, 'admin-search');
      expect(partitionsFor(search, 'dynamodb:GetItem')).toEqual([['TOKEN#*', 'DOMAIN#*']]);
      for (const statements of [audit, search]) {
        const actions = statements.flatMap(actionsOf);
        for (const write of ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem']) {
          expect(actions).not.toContain(write);
        }
      }
    }
  });

  it('confines every read of the read-only functions to named attributes, none of them a secret', () => {
    const readOnly = catalog.all.filter((spec) => spec.access.table === 'read');
    expect(readOnly.map((spec) => spec.name).sort()).toEqual([
      'admin-audit',
      'admin-audit-export',
      'admin-replication',
      'admin-search',
    ]);
    const secrets = [
      'sealedSeed',
      'pinVerifier',
      PIN_REGISTER_ATTRIBUTE,
      'sealedCode',
      'verifier',
      'auditOutbox',
    ];
    for (const { region, json } of regional) {
      for (const spec of readOnly) {
        const reads = roleStatements(json, region, spec.name).filter((s) =>
          actionsOf(s).some((a) => a === 'dynamodb:GetItem' || a === 'dynamodb:Query'),
        );
        // The table, and the indexes when it queries any (and the other regions' replicas when it reads them).
        const replicas = spec.access.readsReplicaTables === true ? 1 : 0;
        expect(reads.length).toBe((spec.access.indexes.length > 0 ? 2 : 1) + replicas);
        for (const statement of reads) {
          const condition = (statement as { Condition?: Record<string, Record<string, unknown>> }).Condition!;
          expect(condition).toMatchObject(attributeConditions(spec.access.reads!));
          expect(condition.StringEqualsIfExists).toEqual({ 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' });
          expect(condition.Null).toEqual({ 'dynamodb:Attributes': 'false' });
          const allowed = condition['ForAllValues:StringEquals']!['dynamodb:Attributes'] as string[];
          for (const secret of secrets)
            expect({ fn: spec.name, allowed }).not.toEqual({
              fn: spec.name,
              allowed: expect.arrayContaining([secret]),
            });
          // `registers` is readable for its enabled and online-use entries: the PIN's is stored apart.
          if (spec.name === 'admin-search') expect(allowed).toContain('registers');
          if (spec.name === 'admin-audit') {
            expect(allowed).not.toContain('registers');
            expect(allowed).toEqual(
              expect.arrayContaining([...PROJECTION.auditEvents, ...PROJECTION.tokenDomain]),
            );
          }
        }
      }
    }
  });

  it('lets nothing but the sweep delete, and the sweep only run-out download records (USER#), never an audit event', () => {
    for (const { region, json } of regional) {
      for (const spec of catalog.all) {
        const deletes = partitionsFor(roleStatements(json, region, spec.name), 'dynamodb:DeleteItem');
        expect({ fn: spec.name, deletes }).toEqual({
          fn: spec.name,
          deletes: spec.name === 'sweep' ? [['USER#*']] : [],
        });
      }
      const all = iamStatementsOf(json).flatMap(({ statement }) => actionsOf(statement));
      expect(all.filter((a) => a === 'dynamodb:DeleteItem')).toHaveLength(1);
    }
  });

  it('reserves concurrency for online authentication, and only for it', () => {
    for (const { json } of regional) {
      const reserved = resourcesOf(json, 'AWS::Lambda::Function')
        .filter((f) => f.Properties.ReservedConcurrentExecutions !== undefined)
        .map((f) => [f.Properties.FunctionName, f.Properties.ReservedConcurrentExecutions]);
      expect(reserved).toEqual([[`${config.namePrefix}-agent-authenticate`, 50]]);
    }
  });
});

describe('the append-only audit archive', () => {
  it('sends new AUDIT# items from the table stream, through a pipe with no function, to Firehose', () => {
    const [table] = resourcesOf(tableJson, 'AWS::DynamoDB::GlobalTable');
    expect(table!.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const [pipe] = resourcesOf(archiveJson, 'AWS::Pipes::Pipe');
    // The table stack's stream, read across stacks, in the primary region; on by default, off on request.
    expect(JSON.stringify(pipe!.Properties.Source)).toMatch(/StreamArn/);
    expect(config.auditArchive).toBe(true);
    expect(stacks.auditArchive!.region).toBe(config.primaryRegion);
    expect(buildApp({ auditArchive: false }).stacks.auditArchive).toBeUndefined();
    const filters = (
      pipe!.Properties.SourceParameters as { FilterCriteria: { Filters: { Pattern: string }[] } }
    ).FilterCriteria.Filters;
    expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([AUDIT_EVENT_FILTER]);
    const [stream] = resourcesOf(archiveJson, 'AWS::KinesisFirehose::DeliveryStream');
    expect(pipe!.Properties.Target).toEqual({ 'Fn::GetAtt': [stream!.id, 'Arn'] });
    expect(resourcesOf(archiveJson, 'AWS::Lambda::Function')).toEqual([]);
  });

  it('lands in a bucket with Object Lock in compliance mode, retained, private, TLS only', () => {
    const buckets = resourcesOf(archiveJson, 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(1);
    const bucket = buckets[0]!;
    expect(bucket.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const raw = archiveJson.Resources[bucket.id]!;
    expect(raw.DeletionPolicy).toBe('Retain');
    const policy = resourcesOf(archiveJson, 'AWS::S3::BucketPolicy')[0]!;
    expect(JSON.stringify(policy.Properties)).toContain('"aws:SecureTransport":"false"');
  });

  it('lets nothing but the delivery stream put or re-label an object, and lets it put nothing else', () => {
    const [stream] = resourcesOf(archiveJson, 'AWS::KinesisFirehose::DeliveryStream');
    const destination = stream!.Properties.ExtendedS3DestinationConfiguration as {
      RoleARN: { 'Fn::GetAtt': string[] };
    };
    const deliveryRoleId = destination.RoleARN['Fn::GetAtt'][0]!;
    const policy = resourcesOf(archiveJson, 'AWS::S3::BucketPolicy')[0]!;
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    const deny = statements.find((s) => (s as { Sid?: string }).Sid === 'OnlyTheDeliveryStreamWrites');
    expect(deny).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ARCHIVE_WRITE_ACTIONS,
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [deliveryRoleId, 'Arn'] } } },
    });
    expect(ARCHIVE_WRITE_ACTIONS).toContain('s3:PutObject');
    // No Allow in the bucket policy; the delivery role may only put and abort uploads under its prefixes.
    expect(statements.filter((s) => (s as { Effect: string }).Effect === 'Allow')).toEqual([]);
    const writes = statementsAttachedTo(archiveJson, deliveryRoleId).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('s3:Put') || a.startsWith('s3:Delete')),
    );
    expect(writes.flatMap(actionsOf).sort()).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
    // No other role of the archive's stack may write objects (the bucket is not exported to any other).
    const writers = iamStatementsOf(archiveJson)
      .filter(({ statement }) => actionsOf(statement).some((a) => /^(s3:(Put|\*)|\*)/.test(a)))
      .map(({ resource }) => resource);
    expect(
      new Set(writers.map((id) => JSON.stringify(archiveJson.Resources[id]!.Properties!.Roles))),
    ).toEqual(new Set([JSON.stringify([{ Ref: deliveryRoleId }])]));
  });

  it('gives the pipe only the stream to read and the delivery stream to write', () => {
    const [pipe] = resourcesOf(archiveJson, 'AWS::Pipes::Pipe');
    const roleId = (pipe!.Properties.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const actions = statementsAttachedTo(archiveJson, roleId).flatMap(actionsOf).sort();
    expect(actions).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
      'firehose:PutRecord',
      'firehose:PutRecordBatch',
    ]);
  });
});

describe('cdk-nag on the archive', () => {
  it('finds nothing unacknowledged, and acknowledges only the bucket access logs and the object prefixes', () => {
    const { app, stacks: archived } = buildApp();
    Validations.of(archived.auditArchive!).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    const rules = archived
      .auditArchive!.node.findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.keys(m.data as Record<string, string>))
      .map((rule) => rule.replace(/<AuditArchiveBucket[0-9A-F]+\.Arn>/, '<bucket>'))
      .sort();
    expect(rules).toEqual([
      'AwsSolutions::AwsSolutions-IAM5[Resource::<bucket>/audit/*]',
      'AwsSolutions::AwsSolutions-IAM5[Resource::<bucket>/failed/*]',
      'AwsSolutions::AwsSolutions-S1',
    ]);
  });
});
