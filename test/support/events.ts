/** API Gateway HTTP API (v2) events and Lambda contexts, as the JWT authorizer hands them to a function. */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import type { RouteDefinition } from '../../functions/api/contract/route';

export interface Claims {
  sub?: string;
  client_id?: string;
  username?: string;
  scope?: string;
  /** As API Gateway passes an array claim: `[a b]`. */
  domains?: string;
}

export const ADMIN: Claims = { sub: 'helpdesk', client_id: 'helpdesk', scope: 'eat/admin', domains: '[*]' };
/** A person's access token through the console app client, as Cognito writes one. */
export const JANE: Claims = {
  sub: 'f3b5d7a0-1c2e-4b6a-9d8e-0000000000a1',
  username: 'jane.admin',
  client_id: 'eat-console',
  scope: 'eat/admin',
  domains: '[*]',
};
export const SALES_ADMIN: Claims = {
  sub: 'helpdesk-sales',
  client_id: 'helpdesk-sales',
  scope: 'eat/admin',
  domains: '[Sales]',
};
export const AGENT: Claims = { sub: 'win-agent-1', client_id: 'win-agent-1', scope: 'eat/agent' };

export interface RequestSpec {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** A raw body, sent as is. */
  rawBody?: string;
  headers?: Record<string, string>;
  claims?: Claims | null;
}

function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

export function httpEvent(
  route: Pick<RouteDefinition, 'method' | 'path'>,
  spec: RequestSpec = {},
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const requestId = randomUUID();
  const claims = spec.claims === undefined ? ADMIN : spec.claims;
  const body = spec.rawBody ?? (spec.body === undefined ? undefined : JSON.stringify(spec.body));
  const headers: Record<string, string> = {
    ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...spec.headers,
  };
  const rawPath = fillPath(route.path, spec.params ?? {});
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath,
    rawQueryString: new URLSearchParams(spec.query ?? {}).toString(),
    headers,
    queryStringParameters: spec.query && Object.keys(spec.query).length > 0 ? spec.query : undefined,
    pathParameters: spec.params,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: route.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'jest',
      },
      requestId,
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      authorizer:
        claims === null
          ? undefined
          : { principalId: '', integrationLatency: 0, jwt: { claims: { ...claims }, scopes: null } },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

export function lambdaContext(functionName = 'test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
