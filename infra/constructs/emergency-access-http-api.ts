/**
 * A region's HTTP API (API Gateway v2, payload format 2.0, which the handlers and the local gateway speak):
 * every route of the route table on its route group's function, behind a JWT authorizer for its scope
 * (`eat/admin` or `eat/agent`, enforced as the route's authorization scope too), with JSON access logs and
 * stage-wide throttling. The one route without a scope, the public OpenAPI document, has no
 * authorizer and no function: it proxies to a static file (public-openapi-document.ts).
 */
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Scope } from '../../functions/http/claims';
import type { RouteDefinition } from '../../functions/api/contract/route';
import { perStackInstanceName } from '../names';
import type { ServiceFunction } from './service-function';

export interface JwtAuthorization {
  issuer: string;
  /** Accepted `aud` / `client_id` values for each scope's authorizer. */
  audience: Record<Scope, string[]>;
}

export interface EmergencyAccessHttpApiProps {
  namePrefix: string;
  /** The route groups' functions, each serving its spec's routes. */
  functions: readonly ServiceFunction[];
  /** Routes served without a function (the public OpenAPI document), each with its integration. */
  staticRoutes: readonly { definition: RouteDefinition; integration: apigwv2.HttpRouteIntegration }[];
  jwt: JwtAuthorization;
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: logs.RetentionDays;
}

/** What each access log line holds: who called what, and how it ended. Never a header or a body. */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  clientId: '$context.authorizer.claims.client_id',
  subject: '$context.authorizer.claims.sub',
} as const;

const SCOPES: readonly Scope[] = ['eat/admin', 'eat/agent'];

export class EmergencyAccessHttpApi extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogGroup: logs.LogGroup;
  readonly authorizers: Record<Scope, authorizers.HttpJwtAuthorizer>;
  readonly routes: { definition: RouteDefinition; route: apigwv2.HttpRoute }[] = [];

  constructor(scope: Construct, id: string, props: EmergencyAccessHttpApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const region = stack.region;

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `${props.namePrefix}-emergency-access-api`,
      description: `Emergency access tokencodes HTTP API, version 1 (${region})`,
      createDefaultStage: false,
    });

    // Retained like the functions' logs, and named per stack instance for the same reason.
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: perStackInstanceName(
        stack,
        `/aws/apigateway/${props.namePrefix}-emergency-access-api`,
        '/',
      ),
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const authorizerOf = (scopeName: Scope) =>
      new authorizers.HttpJwtAuthorizer(
        scopeName === 'eat/admin' ? 'AdminJwtAuthorizer' : 'AgentJwtAuthorizer',
        props.jwt.issuer,
        {
          authorizerName: `${props.namePrefix}-${scopeName.replace('/', '-')}`,
          identitySource: ['$request.header.Authorization'],
          jwtAudience: props.jwt.audience[scopeName],
        },
      );
    this.authorizers = Object.fromEntries(SCOPES.map((s) => [s, authorizerOf(s)])) as Record<
      Scope,
      authorizers.HttpJwtAuthorizer
    >;

    const served = [
      ...props.functions.flatMap((fn) => {
        const integration = new integrations.HttpLambdaIntegration(
          `${fn.spec.name}Integration`,
          fn.function,
          {
            payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
          },
        );
        return fn.spec.routes.map((definition) => ({ definition, integration }));
      }),
      ...props.staticRoutes,
    ];
    for (const { definition, integration } of served) {
      const [route] = this.httpApi.addRoutes({
        path: definition.path,
        methods: [apigwv2.HttpMethod[definition.method]],
        integration,
        ...(definition.scope === null
          ? { authorizer: new apigwv2.HttpNoneAuthorizer() }
          : { authorizer: this.authorizers[definition.scope], authorizationScopes: [definition.scope] }),
      });
      if (route === undefined) throw new Error(`no route made for ${definition.operationId}`);
      if (definition.scope === null) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions::AwsSolutions-APIG4',
          reason:
            `${definition.method} ${definition.path} is public by the API contract (a bearer token ` +
            'on every /v1 route except the OpenAPI document). It serves a static file, the description of ' +
            'the routes built from the route table, through CloudFront: no function, no data, no key.',
        });
      }
      this.routes.push({ definition, route });
    }
  }

  /** `https://<api id>.execute-api.<region>.amazonaws.com` */
  get endpoint(): string {
    return this.httpApi.apiEndpoint;
  }
}
