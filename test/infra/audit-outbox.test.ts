/**
 * The audit outbox's materializer in the synthesized app: in every region a function fed by that region's
 * table stream, filtered to new images with an outbox, whose role may read the stream and put audit items
 * (audit attributes only, `TOKEN#` partitions only) and nothing else.
 */
import {
  AUDIT_ITEM_ATTRIBUTES,
  AUDIT_OUTBOX_FUNCTION,
  OUTBOX_FILTER,
} from '../../infra/constructs/audit-outbox-materializer';
import { functionName, functionRoleName } from '../../infra/names';
import { AUDIT_OUTBOX_ATTRIBUTE } from '../../shared/adapters/dynamodb/keys';
import { actionsOf, buildApp, resourcesOf, statementsAttachedTo, type TemplateJson } from './support';

const built = buildApp();
const { config, stacks } = built;
const regional = [...stacks.regionalApis.entries()].map(([region, stack]) => ({
  region,
  json: built.template(stack).toJSON() as TemplateJson,
}));

function materializerOf(json: TemplateJson, region: string) {
  const [fn] = resourcesOf(json, 'AWS::Lambda::Function').filter(
    (f) => f.Properties.FunctionName === functionName(config.namePrefix, AUDIT_OUTBOX_FUNCTION),
  );
  const roleName = functionRoleName(config.namePrefix, AUDIT_OUTBOX_FUNCTION, region);
  const [role] = resourcesOf(json, 'AWS::IAM::Role').filter((r) => r.Properties.RoleName === roleName);
  return { fn: fn!, role: role!, statements: statementsAttachedTo(json, role!.id) };
}

describe('the audit outbox materializer', () => {
  it('runs in every region, on that region’s table stream, for images with an outbox, retried until it succeeds', () => {
    expect(regional.map((r) => r.region).sort()).toEqual([...config.regions].sort());
    for (const { region, json } of regional) {
      const { fn } = materializerOf(json, region);
      expect(fn).toBeDefined();
      const mappings = resourcesOf(json, 'AWS::Lambda::EventSourceMapping').filter(
        (m) => JSON.stringify(m.Properties.FunctionName) === JSON.stringify({ Ref: fn.id }),
      );
      expect(mappings).toHaveLength(1);
      const mapping = mappings[0]!.Properties;
      expect(mapping).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: -1,
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify(OUTBOX_FILTER) }] },
      });
      expect(JSON.stringify(OUTBOX_FILTER)).toContain(AUDIT_OUTBOX_ATTRIBUTE);
      // The stream ARN is looked up in the region, on the region's table, by DescribeTable alone.
      const lookups = resourcesOf(json, 'Custom::AWS').filter((c) =>
        JSON.stringify(c.Properties).includes('describeTable'),
      );
      expect(lookups).toHaveLength(1);
      expect(JSON.stringify(mapping.EventSourceArn)).toContain(lookups[0]!.id);
      expect(JSON.stringify(lookups[0]!.Properties)).toContain(config.tableName);
    }
  });

  it('may only put audit items into token partitions and read the stream: no read, update or delete of an item', () => {
    for (const { region, json } of regional) {
      const { statements } = materializerOf(json, region);
      const tableActions = statements
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('dynamodb:'))
        .sort();
      expect(tableActions).toEqual([
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
        'dynamodb:PutItem',
      ]);
      const put = statements.find((s) => actionsOf(s).includes('dynamodb:PutItem'))!;
      expect(actionsOf(put)).toEqual(['dynamodb:PutItem']);
      expect(put.Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TOKEN#*'] },
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...AUDIT_ITEM_ATTRIBUTES] },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
      });
      // Not the outbox, nor any attribute of a token's state: only what an audit item holds.
      for (const forbidden of [
        AUDIT_OUTBOX_ATTRIBUTE,
        'version',
        'pinVerifier',
        'sealedSeed',
        'sealedCode',
      ]) {
        expect(AUDIT_ITEM_ATTRIBUTES).not.toContain(forbidden);
      }
      const streamStatements = statements.filter((s) => actionsOf(s).some((a) => a.includes('Stream')));
      for (const s of streamStatements) expect(JSON.stringify(s.Resource)).not.toBe('"*"');
      expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('kms:'))).toEqual([]);
    }
  });
});
