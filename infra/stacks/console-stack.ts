/**
 * The help-desk console as static assets: a private S3 bucket behind CloudFront (origin access control),
 * a content security policy with no inline script, and `config.json` written next to the page from the
 * deployment (the identity provider's authorize and token endpoints, the console's app client, one API
 * base per region).
 *
 * Each region's HTTP API is reached through the same distribution, at `/api/<region>/...` (a CloudFront
 * function strips the prefix; nothing is cached, every header but Host is passed on): the console calls
 * only its own origin, the API needs no CORS, and switching region is choosing another prefix. The files
 * are built by Vite during synth (`console/`, local bundling; no Docker).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  CfnOutput,
  CfnResource,
  DockerImage,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { consoleContentSecurityPolicy } from '../../console/content-security-policy';
import { PROJECT_ROOT } from '../function-catalog';

export interface ConsoleRegionApi {
  region: string;
  /** The HTTP API's id in that region. */
  apiId: string;
}

export interface ConsoleStackProps extends StackProps {
  /** The identity provider's hosted domain, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  signInBaseUrl: string;
  clientId: string;
  apis: ConsoleRegionApi[];
  /** The built console; by default Vite builds `console/` during synth. */
  assetPath?: string;
}

const CONSOLE_PATH = 'console';

const DEPLOYMENT_REASON =
  "CDK's BucketDeployment provider function, as CDK builds it: it runs only during a deployment, with " +
  'the basic execution role for its logs, the runtime CDK pins, and the S3 grants (with their wildcards) ' +
  'it needs to copy the staged build from the CDK asset bucket into the console bucket and remove old files.';

/** Directory URLs get their index; `/` and `/console` go to the console. */
const INDEX_FUNCTION = `function handler(event) {
  var uri = event.request.uri;
  if (uri === '/' || uri === '/${CONSOLE_PATH}') {
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '/${CONSOLE_PATH}/' } } };
  }
  if (uri.endsWith('/')) event.request.uri = uri + 'index.html';
  return event.request;
}`;

/** `/api/<region>/v1/...` is `/v1/...` at that region's API. */
const API_PREFIX_FUNCTION = `function handler(event) {
  event.request.uri = event.request.uri.replace(/^\\/api\\/[a-z0-9-]+/, '') || '/';
  return event.request;
}`;

/** The console's config.json (console/src/config.ts reads it): the API of each region is on this origin. */
export function consoleSettingsOf(props: Pick<ConsoleStackProps, 'signInBaseUrl' | 'clientId' | 'apis'>) {
  return {
    auth: {
      authorizeUrl: `${props.signInBaseUrl}/oauth2/authorize`,
      tokenUrl: `${props.signInBaseUrl}/oauth2/token`,
      logoutUrl: `${props.signInBaseUrl}/logout`,
      clientId: props.clientId,
      scope: 'eat/admin',
    },
    regions: props.apis.map((api) => ({ name: api.region, apiBase: `/api/${api.region}` })),
  };
}

function viteBuild(): s3deploy.ISource {
  const consoleDir = join(PROJECT_ROOT, CONSOLE_PATH);
  return s3deploy.Source.asset(consoleDir, {
    exclude: ['dist', 'node_modules'],
    bundling: {
      // Only used when local bundling is not possible; the build needs nothing but Node.
      image: DockerImage.fromRegistry('node:20-slim'),
      local: {
        tryBundle(outputDir: string) {
          execFileSync(
            join(PROJECT_ROOT, 'node_modules', '.bin', 'vite'),
            [
              'build',
              '--config',
              join(consoleDir, 'vite.config.mjs'),
              '--outDir',
              outputDir,
              '--emptyOutDir',
            ],
            { cwd: PROJECT_ROOT, stdio: 'inherit' },
          );
          return true;
        },
      },
    },
  });
}

export class ConsoleStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: ConsoleStackProps) {
    super(scope, id, props);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'The bucket holds only the console build, public by design through CloudFront; it is written only ' +
        'by the deployment and read only by the distribution (origin access control), so access logs would ' +
        'record nothing of interest. API calls are logged by each HTTP API.',
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'The help-desk console: CSP without inline script, no framing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: consoleContentSecurityPolicy([props.signInBaseUrl]),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
    });

    const apiPrefix = new cloudfront.Function(this, 'ApiPrefix', {
      code: cloudfront.FunctionCode.fromInline(API_PREFIX_FUNCTION),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'Strips /api/<region> before the request reaches that region',
    });
    const apiBehavior = (api: ConsoleRegionApi): cloudfront.BehaviorOptions => ({
      origin: new origins.HttpOrigin(`${api.apiId}.execute-api.${api.region}.amazonaws.com`, {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      }),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      functionAssociations: [{ function: apiPrefix, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Emergency access tokencodes: the help-desk console',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        functionAssociations: [
          {
            function: new cloudfront.Function(this, 'Index', {
              code: cloudfront.FunctionCode.fromInline(INDEX_FUNCTION),
              runtime: cloudfront.FunctionRuntime.JS_2_0,
              comment: 'Directory URLs of the console get their index.html',
            }),
            eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
          },
        ],
      },
      additionalBehaviors: Object.fromEntries(
        props.apis.map((api) => [`/api/${api.region}/*`, apiBehavior(api)]),
      ),
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions::AwsSolutions-CFR1',
      reason:
        'Help-desk administrators work wherever the organisation has staff; who may sign in is decided by ' +
        'the identity provider (password and TOTP), not by the country of the request.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions::AwsSolutions-CFR2',
      reason:
        'The distribution serves static files and passes API calls on to HTTP APIs that authorize every ' +
        'request with a JWT and are throttled per stage; an organisation that runs AWS WAF attaches its web ACL.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions::AwsSolutions-CFR3',
      reason:
        'Every API call through the distribution is logged, with the administrator, by the HTTP API access ' +
        'log and audited per token; the static files carry no data, so standard logs would add cost only.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions::AwsSolutions-CFR4',
      reason:
        'The default *.cloudfront.net certificate fixes the security policy at TLSv1 (browsers negotiate ' +
        'TLS 1.2 or 1.3); an organisation that gives the console its own domain and certificate sets TLSv1.2_2021.',
    });

    new s3deploy.BucketDeployment(this, 'Files', {
      sources: [
        props.assetPath ? s3deploy.Source.asset(props.assetPath) : viteBuild(),
        s3deploy.Source.jsonData('config.json', consoleSettingsOf(props)),
      ],
      destinationBucket: this.bucket,
      destinationKeyPrefix: `${CONSOLE_PATH}/`,
      distribution: this.distribution,
      distributionPaths: [`/${CONSOLE_PATH}/*`],
      memoryLimit: 512,
    });
    // CDK's provider function of BucketDeployment: it runs only while deploying, to copy the build in.
    for (const construct of this.node.findAll()) {
      if (!construct.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      const stackOf = Stack.of(this);
      const ids = [
        'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AwsSolutions::AwsSolutions-L1',
        ...['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*'].map(
          (action) => `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`,
        ),
        'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        `AwsSolutions::AwsSolutions-IAM5[Resource::<${stackOf.getLogicalId(this.bucket.node.defaultChild as CfnResource)}.Arn>/*]`,
        `AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:s3:::cdk-hnb659fds-assets-${Token.isUnresolved(stackOf.account) ? '<AWS::AccountId>' : stackOf.account}-${stackOf.region}/*]`,
      ];
      for (const id of ids) Validations.of(construct).acknowledge({ id, reason: DEPLOYMENT_REASON });
    }

    new CfnOutput(this, 'ConsoleUrl', {
      value: `https://${this.distribution.distributionDomainName}/${CONSOLE_PATH}/`,
      description:
        "The help-desk console; add it to the console app client's callback URLs (adminCallbackUrls)",
    });
  }
}
