/**
 * The identity events in the synthesized app: in every region, the audit trail function reads the table
 * stream's new audit items of its own region, may put events on its region's bus only (and nothing else
 * anywhere), and an example rule sends every event of the service to an SNS topic.
 */
import { Match } from 'aws-cdk-lib/assertions';
import {
  AUDIT_TRAIL_FUNCTION,
  IDENTITY_EVENT_PATTERN,
  ownAuditEventFilter,
} from '../../infra/constructs/identity-events';
import { functionName, functionRoleName } from '../../infra/names';
import { buildApp, resourcesOf, statementsAttachedTo, type TemplateJson } from './support';

const built = buildApp();
const { config, stacks } = built;
const regional = [...stacks.regionalApis.entries()].map(([region, stack]) => ({
  region,
  template: built.template(stack),
  json: built.template(stack).toJSON() as TemplateJson,
}));

function trailOf(json: TemplateJson, region: string) {
  const [fn] = resourcesOf(json, 'AWS::Lambda::Function').filter(
    (f) => f.Properties.FunctionName === functionName(config.namePrefix, AUDIT_TRAIL_FUNCTION),
  );
  const [role] = resourcesOf(json, 'AWS::IAM::Role').filter(
    (r) => r.Properties.RoleName === functionRoleName(config.namePrefix, AUDIT_TRAIL_FUNCTION, region),
  );
  return { fn: fn!, role: role!, statements: statementsAttachedTo(json, role!.id) };
}

describe('identity events', () => {
  it('a bus per region, fed by the audit trail function from its own region’s new audit items', () => {
    expect(regional).toHaveLength(config.regions.length);
    for (const { region, template, json } of regional) {
      template.resourceCountIs('AWS::Events::EventBus', 1);
      const { fn } = trailOf(json, region);
      const [bus] = resourcesOf(json, 'AWS::Events::EventBus');
      expect(fn.Properties.Environment).toMatchObject({
        Variables: { EVENT_BUS_NAME: { Ref: bus!.id }, REGION_NAME: region },
      });
      const mappings = resourcesOf(json, 'AWS::Lambda::EventSourceMapping').filter(
        (m) => JSON.stringify(m.Properties.FunctionName) === JSON.stringify({ Ref: fn.id }),
      );
      expect(mappings).toHaveLength(1);
      expect(mappings[0]!.Properties).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        ParallelizationFactor: 1,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: -1,
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify(ownAuditEventFilter(region)) }] },
      });
      expect(JSON.stringify(ownAuditEventFilter(region))).toContain('"INSERT"');
      expect(JSON.stringify(ownAuditEventFilter(region))).toContain('AUDIT#');
    }
  });

  it('an example rule sends every identity event to an SNS topic that allows only TLS', () => {
    for (const { template, json } of regional) {
      const [topic] = resourcesOf(json, 'AWS::SNS::Topic');
      const [bus] = resourcesOf(json, 'AWS::Events::EventBus');
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: bus!.id },
        EventPattern: { source: ['eat.emergency-access'], 'detail-type': IDENTITY_EVENT_PATTERN.detailType },
        Targets: [Match.objectLike({ Arn: { Ref: topic!.id } })],
      });
      expect(IDENTITY_EVENT_PATTERN.detailType).toHaveLength(5);
      // EventBridge may publish to the topic; the topic refuses plain HTTP.
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sns:Publish',
            }),
          ]),
        },
      });
    }
  });

  it('the function may put events of its source on its bus, read the stream and read tokens without secrets: nothing else', () => {
    for (const { region, json } of regional) {
      const { statements } = trailOf(json, region);
      const [bus] = resourcesOf(json, 'AWS::Events::EventBus');
      const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
      expect(bySid.PublishIdentityEvents).toMatchObject({
        Action: 'events:PutEvents',
        Resource: { 'Fn::GetAtt': [bus!.id, 'Arn'] },
        Condition: { StringEquals: { 'events:source': 'eat.emergency-access' } },
      });
      expect(bySid.ReadTokenTable).toMatchObject({
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TOKEN#*'] } },
      });
      const actions = statements.flatMap((s) => [s.Action].flat());
      for (const action of actions) {
        expect(action).toMatch(
          /^(events:PutEvents|dynamodb:(GetItem|Query|PutItem|DescribeStream|GetRecords|GetShardIterator|ListStreams)|logs:(CreateLogStream|PutLogEvents)|xray:\w+)$/,
        );
      }
    }
  });

  it('can use the account’s default bus instead', () => {
    const withDefault = buildApp({ identityEventBus: 'default' });
    for (const stack of withDefault.stacks.regionalApis.values()) {
      const template = withDefault.template(stack);
      template.resourceCountIs('AWS::Events::EventBus', 0);
      expect(JSON.stringify(template.toJSON())).toContain(':event-bus/default');
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: 'default',
        EventPattern: { source: ['eat.emergency-access'] },
      });
    }
  });
});
