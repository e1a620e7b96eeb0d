/**
 * The regions' view of a change (issue 17) in the synthesized app: its function reads the token table's
 * replica in every region, GetItem and Query only, on those tables' ARNs only, under the same partition and
 * attribute conditions as its reads at home (no secret attribute), and is told every region.
 */
import { attributeConditions } from '../../infra/constructs/service-function';
import { functionName, functionRoleName } from '../../infra/names';
import { PIN_REGISTER_ATTRIBUTE } from '../../shared/adapters/dynamodb/keys';
import {
  actionsOf,
  buildApp,
  resourcesOf,
  resourcesOfStatement,
  statementsAttachedTo,
  type Statement,
  type TemplateJson,
} from './support';

const built = buildApp();
const { config, stacks } = built;
const regional = [...stacks.regionalApis.entries()].map(([region, stack]) => ({
  region,
  json: built.template(stack).toJSON() as TemplateJson,
}));

function roleStatements(json: TemplateJson, region: string, name: string): Statement[] {
  const roleName = functionRoleName(config.namePrefix, name, region);
  const [role] = resourcesOf(json, 'AWS::IAM::Role').filter((r) => r.Properties.RoleName === roleName);
  return statementsAttachedTo(json, role!.id);
}

/** The region of a table ARN as synthesized (Arn.format joins it into the ARN's text). */
function tableRegionOf(resource: unknown): string {
  const text = JSON.stringify(resource);
  expect(text).toContain(`:table/${config.tableName}"`);
  expect(text).not.toContain('/index/');
  return /:dynamodb:([a-z0-9-]*):/.exec(text)?.[1] ?? '(this stack’s region)';
}

it('is deployed in more than one region (the test means something)', () => {
  expect(config.regions.length).toBeGreaterThan(1);
});

describe.each(regional.map((r) => [r.region, r] as const))('admin-replication in %s', (region, { json }) => {
  const statements = roleStatements(json, region, 'admin-replication');
  const replicaRead = statements.filter((s) => s.Sid === 'ReadReplicaTables');
  const homeRead = statements.filter((s) => s.Sid === 'ReadTokenTable');

  it("reads every other region's replica, GetItem and Query only, on the table ARN only", () => {
    expect(replicaRead).toHaveLength(1);
    const [statement] = replicaRead;
    expect(actionsOf(statement!).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(resourcesOfStatement(statement!).map(tableRegionOf).sort()).toEqual(
      config.regions.filter((r) => r !== region).sort(),
    );
  });

  it('reads there under the conditions of its reads at home: token partitions, no secret attribute', () => {
    const condition = replicaRead[0]!.Condition!;
    expect(condition).toEqual(homeRead[0]!.Condition);
    expect(condition).toMatchObject(attributeConditions(['tokenDomain', 'replication']));
    expect(condition['ForAllValues:StringLike']).toEqual({ 'dynamodb:LeadingKeys': ['TOKEN#*'] });
    const attributes = condition['ForAllValues:StringEquals']!['dynamodb:Attributes'] as string[];
    for (const secret of [PIN_REGISTER_ATTRIBUTE, 'sealedSeed', 'sealedCode', 'verifier', 'pinVerifier']) {
      expect(attributes).not.toContain(secret);
    }
  });

  it('writes nothing, deletes nothing and uses no key', () => {
    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Query',
    ]);
    expect(actions.filter((a) => a.startsWith('kms:'))).toEqual([]);
  });

  it('is told every region of the deployment (REPLICATION_REGIONS)', () => {
    const [fn] = resourcesOf(json, 'AWS::Lambda::Function').filter(
      (f) => f.Properties.FunctionName === functionName(config.namePrefix, 'admin-replication'),
    );
    const env = (fn!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.REPLICATION_REGIONS).toBe([...config.regions].sort().join(','));
  });

  it("lets no other function read another region's table", () => {
    const others = resourcesOf(json, 'AWS::IAM::Policy')
      .filter((p) => !JSON.stringify(p.Properties.Roles).includes('AdminReplication'))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const elsewhere = others.filter((s) =>
      config.regions
        .filter((r) => r !== region)
        .some((r) => JSON.stringify(s.Resource ?? '').includes(`:dynamodb:${r}:`)),
    );
    expect(elsewhere.map((s) => s.Sid)).toEqual([]);
  });
});
