/**
 * The help-desk console's static site (`console=true`): a private bucket behind CloudFront with origin
 * access control, a content security policy without inline script, each region's API under
 * `/api/<region>/`, and config.json written from the deployment. cdk-nag finds nothing unacknowledged.
 */
import { App, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from '../../console/src/config';
import { consoleSettingsOf } from '../../infra/stacks/console-stack';
import { buildApp } from './support';

const built = buildApp({ console: true });
const stack = built.stacks.console!;
const template = built.template(stack);

function resourcesOf(type: string): Record<string, unknown>[] {
  return Object.values(template.findResources(type)).map((r) => r.Properties as Record<string, unknown>);
}

describe('the console stack', () => {
  it('is off unless asked for, and needs the Cognito app client', () => {
    expect(buildApp().stacks.console).toBeUndefined();
    expect(() =>
      buildApp({ console: true, oidcIssuer: 'https://login.example.com/', oidcAudience: 'eat' }),
    ).toThrow(/context "console"/);
    expect(stack.region).toBe(built.config.primaryRegion);
  });

  it('keeps the files in a private, encrypted bucket that only the distribution reads', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.objectLike({}),
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const policy = JSON.stringify(resourcesOf('AWS::S3::BucketPolicy'));
    expect(policy).toContain('cloudfront.amazonaws.com');
    expect(policy).toContain('aws:SecureTransport');
  });

  it('sends a content security policy with no inline script, no framing and HSTS', () => {
    const [headers] = resourcesOf('AWS::CloudFront::ResponseHeadersPolicy');
    const security = (headers!.ResponseHeadersPolicyConfig as Record<string, Record<string, unknown>>)
      .SecurityHeadersConfig!;
    const csp = JSON.stringify(
      (security.ContentSecurityPolicy as Record<string, unknown>).ContentSecurityPolicy,
    );
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toContain("frame-ancestors 'none'");
    // The sign-in domain's token endpoint is the only other origin the page may call.
    expect(csp).toContain('connect-src');
    expect(csp).toContain('amazoncognito.com');
    expect(security.FrameOptions).toMatchObject({ FrameOption: 'DENY' });
    expect(security.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 31536000 });
  });

  it("serves each region's API under /api/<region>/, uncached, over HTTPS", () => {
    const [distribution] = resourcesOf('AWS::CloudFront::Distribution');
    const config = distribution!.DistributionConfig as {
      DefaultCacheBehavior: { ViewerProtocolPolicy: string };
      CacheBehaviors: { PathPattern: string; CachePolicyId: string; ViewerProtocolPolicy: string }[];
      Origins: { CustomOriginConfig?: { OriginProtocolPolicy: string } }[];
    };
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.CacheBehaviors.map((b) => b.PathPattern)).toEqual(
      built.config.regions.map((region) => `/api/${region}/*`),
    );
    for (const behavior of config.CacheBehaviors) {
      expect(behavior.ViewerProtocolPolicy).toBe('https-only');
      // The managed CachingDisabled policy.
      expect(behavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
    }
    const custom = config.Origins.filter((o) => o.CustomOriginConfig !== undefined);
    expect(custom).toHaveLength(built.config.regions.length);
    for (const origin of custom) expect(origin.CustomOriginConfig!.OriginProtocolPolicy).toBe('https-only');
  });

  it('writes config.json with the sign-in endpoints, the console client and every region', () => {
    const [deployment] = resourcesOf('Custom::CDKBucketDeployment');
    expect(deployment!.DestinationBucketKeyPrefix).toBe('console/');
    // The deployment's values stand in config.json as markers: the hosted domain and the console client.
    const markers = JSON.stringify(deployment!.SourceMarkers);
    expect(markers).toContain('HostedDomain');
    expect(markers).toContain('HelpDeskConsoleClient');
    const settings = consoleSettingsOf({
      signInBaseUrl: 'https://eat.auth.us-east-1.amazoncognito.com',
      clientId: 'client-1',
      apis: built.config.regions.map((region) => ({ region, apiId: `api-${region}` })),
    });
    // What the console itself accepts as its settings.
    expect(parseConfig(settings)).toEqual({
      auth: {
        authorizeUrl: 'https://eat.auth.us-east-1.amazoncognito.com/oauth2/authorize',
        tokenUrl: 'https://eat.auth.us-east-1.amazoncognito.com/oauth2/token',
        logoutUrl: 'https://eat.auth.us-east-1.amazoncognito.com/logout',
        clientId: 'client-1',
        scope: 'eat/admin',
      },
      regions: built.config.regions.map((region) => ({ name: region, apiBase: `/api/${region}` })),
    });
  });

  it('strips the region prefix before the request reaches the API, and gives directories their index', () => {
    const functions = resourcesOf('AWS::CloudFront::Function').map((f) => String(f.FunctionCode));
    const strip = functions.find((code) => code.includes('/api'))!;
    // The function's body, run as CloudFront would (it is plain JavaScript).
    const handler = new Function(`${strip}; return handler;`)() as (event: unknown) => { uri: string };
    expect(handler({ request: { uri: '/api/eu-west-1/v1/tokens' } }).uri).toBe('/v1/tokens');
    const index = functions.find((code) => code.includes('index.html'))!;
    const indexHandler = new Function(`${index}; return handler;`)() as (event: unknown) => unknown;
    expect(indexHandler({ request: { uri: '/console/' } })).toEqual({ uri: '/console/index.html' });
    expect(indexHandler({ request: { uri: '/console/assets/a.js' } })).toEqual({
      uri: '/console/assets/a.js',
    });
    expect(indexHandler({ request: { uri: '/' } })).toMatchObject({
      statusCode: 301,
      headers: { location: { value: '/console/' } },
    });
  });

  it('leaves nothing unacknowledged to cdk-nag, and acknowledges only its reviewed findings', () => {
    const { app } = buildApp({ console: true });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    const found: { path: string; rule: string }[] = [];
    for (const construct of (app as App).node.findAll()) {
      if (!construct.node.path.includes('-console-')) continue;
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [rule, reason] of Object.entries(entry.data as Record<string, string>)) {
          found.push({ path: construct.node.path, rule });
          expect(reason.length).toBeGreaterThan(80);
        }
      }
    }
    const rule = (id: string) => `AwsSolutions::AwsSolutions-${id}`;
    // The site's own: the bucket's access logs and the distribution's four.
    expect(found.filter((f) => !f.path.includes('CDKBucketDeployment'))).toEqual([
      { path: expect.stringMatching(/\/Bucket$/), rule: rule('S1') },
      ...['CFR1', 'CFR2', 'CFR3', 'CFR4'].map((id) => ({
        path: expect.stringMatching(/\/Distribution$/),
        rule: rule(id),
      })),
    ]);
    // CDK's deployment function: its managed policy, runtime and S3 grants, nothing else.
    for (const { rule: id } of found.filter((f) => f.path.includes('CDKBucketDeployment'))) {
      expect(id).toMatch(
        /^AwsSolutions::AwsSolutions-(L1|IAM4\[Policy::.*AWSLambdaBasicExecutionRole\]|IAM5\[(Action::s3:[A-Za-z]+\*|Resource::.*)\])$/,
      );
    }
  });
});
