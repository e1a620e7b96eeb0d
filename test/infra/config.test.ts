import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CONTEXT_KEYS, DEFAULTS, readConfig, type ContextKey } from '../../infra/config';
import { CDK_JSON_CONTEXT } from './support';

const from = (context: Partial<Record<ContextKey, unknown>>, defaultAccount?: string) =>
  readConfig((key) => context[key], defaultAccount);

describe('deployment settings from context', () => {
  it('has documented defaults: one primary and two replica regions, Cognito, the sweep in every region', () => {
    const config = from({});
    expect(config).toMatchObject({
      account: undefined,
      primaryRegion: 'us-east-1',
      replicaRegions: ['eu-west-1', 'ap-southeast-2'],
      regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
      namePrefix: 'eat',
      tableName: 'eat-tokens',
      identity: { kind: 'cognito', agentClientNames: ['default-agent'] },
      maxEmergencyCodeLifetimeDays: 90,
      multiRegionStrongConsistency: false,
      sweepRegions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
      sweepSchedule: 'rate(15 minutes)',
      sourceMaps: false,
      apiThrottle: { rateLimit: 50, burstLimit: 100 },
      logRetention: RetentionDays.ONE_YEAR,
      alarmTopicName: undefined,
    });
  });

  it('states the defaults in cdk.json, and reads only context keys it knows there', () => {
    const ours = Object.keys(CDK_JSON_CONTEXT).filter((key) => !key.includes(':'));
    for (const key of ours) expect(CONTEXT_KEYS).toContain(key);
    expect(from(CDK_JSON_CONTEXT as never)).toEqual(from({}));
    expect(CDK_JSON_CONTEXT.primaryRegion).toBe(DEFAULTS.primaryRegion);
    expect(CDK_JSON_CONTEXT.replicaRegions).toBe(DEFAULTS.replicaRegions);
  });

  it('takes -c strings from the command line', () => {
    const config = from({
      account: '123456789012',
      primaryRegion: 'eu-central-1',
      replicaRegions: ' eu-west-1 , eu-west-3 ',
      maxEmergencyCodeLifetimeDays: '30',
      multiRegionStrongConsistency: 'true',
      sourceMaps: 'false',
      sweepRegion: 'all',
      logRetentionDays: '90',
    });
    expect(config).toMatchObject({
      account: '123456789012',
      regions: ['eu-central-1', 'eu-west-1', 'eu-west-3'],
      maxEmergencyCodeLifetimeDays: 30,
      multiRegionStrongConsistency: true,
      sourceMaps: false,
      sweepRegions: ['eu-central-1', 'eu-west-1', 'eu-west-3'],
      logRetention: RetentionDays.THREE_MONTHS,
    });
  });

  it("uses the credentials' account when none is given", () => {
    expect(from({}, '210987654321').account).toBe('210987654321');
    expect(from({ account: '123456789012' }, '210987654321').account).toBe('123456789012');
  });

  it('allows no replica region', () => {
    expect(from({ replicaRegions: '' }).regions).toEqual(['us-east-1']);
  });

  it('uses an external OIDC issuer instead of Cognito when one is given', () => {
    expect(from({ oidcIssuer: 'https://idp.example.com/', oidcAudience: 'a,b' }).identity).toEqual({
      kind: 'oidc',
      issuer: 'https://idp.example.com/',
      audience: ['a', 'b'],
    });
  });

  it.each<[Partial<Record<ContextKey, unknown>>, RegExp]>([
    [{ account: '12345' }, /account.*12-digit/],
    [{ primaryRegion: 'useast1' }, /primaryRegion.*not an AWS region/],
    [{ replicaRegions: 'eu-west-1,eu-west-1' }, /replicaRegions.*repeat/],
    [{ replicaRegions: 'us-east-1' }, /replicaRegions.*primary/],
    [{ namePrefix: 'Emergency_Access' }, /namePrefix/],
    [{ oidcIssuer: 'https://idp.example.com/' }, /oidcAudience.*required/],
    [{ oidcIssuer: 'http://idp.example.com/', oidcAudience: 'a' }, /oidcIssuer.*https/],
    [{ oidcAudience: 'a' }, /oidcAudience.*needs oidcIssuer/],
    [{ maxEmergencyCodeLifetimeDays: '366' }, /maxEmergencyCodeLifetimeDays.*1 to 365/],
    [{ maxEmergencyCodeLifetimeDays: '7.5' }, /maxEmergencyCodeLifetimeDays/],
    [{ multiRegionStrongConsistency: 'true', replicaRegions: 'eu-west-1' }, /exactly three regions/],
    [{ multiRegionStrongConsistency: 'yes' }, /multiRegionStrongConsistency.*true or false/],
    [{ sweepRegion: 'sa-east-1' }, /sweepRegion.*must be one of/],
    [{ sweepSchedule: 'every 5 minutes' }, /sweepSchedule/],
    [{ logRetentionDays: '100' }, /logRetentionDays.*CloudWatch/],
    [{ adminCallbackUrls: 'http://console.example.com/' }, /adminCallbackUrls.*https/],
    [{ cognitoAgentClients: 'agent one' }, /cognitoAgentClients/],
  ])('refuses %j', (context, message) => {
    expect(() => from(context)).toThrow(message);
  });
});
