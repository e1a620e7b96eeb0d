/**
 * The local HTTP gateway: for each route of the API it turns the HTTP request into the API Gateway HTTP
 * API (v2) event the deployed function receives, applies the JWT authorizer's rules first, and calls the
 * same handler module that deploys to Lambda.
 */
import { randomUUID } from 'node:crypto';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formBody from '@fastify/formbody';
import type { RouteDefinition } from '../functions/http/route';
import type { LocalIssuer } from './jwt';

export type LambdaHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<unknown>;

export interface GatewayOptions {
  regionName: string;
  routes: readonly RouteDefinition[];
  /** The handler of each route group (`functions/<group>.ts`). */
  handlerOf: (group: string) => LambdaHandler;
  issuer: LocalIssuer;
  /** Extra local-only routes (token issuer, sweep, console). */
  extend?: (app: FastifyInstance) => void;
}

function contractError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  requestId: string,
) {
  return reply
    .status(status)
    .header('content-type', 'application/json')
    .header('x-request-id', requestId)
    .send({ error: { code, message, reasons: [], requestId } });
}

function lambdaContextFor(group: string, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `local-${group}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:local-${group}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/local/${group}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** API Gateway joins repeated query parameters with commas. */
function queryOf(url: string): { raw: string; parameters: Record<string, string> | undefined } {
  const raw = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  }
  return { raw, parameters: Object.keys(parameters).length > 0 ? parameters : undefined };
}

function headersOf(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

export function createGateway(options: GatewayOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024 });
  // The functions parse their own bodies, as in Lambda: the gateway passes the text through untouched.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.register(async (local) => {
    await local.register(formBody);
    options.extend?.(local);
  });

  for (const route of options.routes) {
    const url = route.path.replace(/\{(\w+)\}/g, ':$1');
    app.route({
      method: route.method,
      url,
      handler: async (request, reply) => {
        const requestId = randomUUID();
        const headers = headersOf(request);
        let authorizer: APIGatewayProxyEventV2WithJWTAuthorizer['requestContext']['authorizer'] | undefined;
        if (route.scope !== null) {
          const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
          const verified = match ? await options.issuer.verify(match[1]!) : null;
          if (verified === null) {
            return contractError(
              reply,
              401,
              'UNAUTHENTICATED',
              'A valid bearer token is required',
              requestId,
            );
          }
          if (!verified.scopes.includes(route.scope)) {
            return contractError(reply, 403, 'FORBIDDEN', `The ${route.scope} scope is required`, requestId);
          }
          authorizer = {
            principalId: '',
            integrationLatency: 0,
            jwt: { claims: verified.claims, scopes: verified.scopes },
          };
        }
        const query = queryOf(request.url);
        const rawPath = request.url.split('?')[0]!;
        const params = request.params as Record<string, string>;
        const event = {
          version: '2.0',
          routeKey: `${route.method} ${route.path}`,
          rawPath,
          rawQueryString: query.raw,
          headers,
          queryStringParameters: query.parameters,
          pathParameters: Object.keys(params).length > 0 ? params : undefined,
          body: typeof request.body === 'string' && request.body !== '' ? request.body : undefined,
          isBase64Encoded: false,
          requestContext: {
            accountId: '000000000000',
            apiId: 'local',
            domainName: headers.host ?? 'localhost',
            domainPrefix: 'local',
            http: {
              method: route.method,
              path: rawPath,
              protocol: 'HTTP/1.1',
              sourceIp: request.ip,
              userAgent: headers['user-agent'] ?? '',
            },
            requestId,
            routeKey: `${route.method} ${route.path}`,
            stage: '$default',
            time: new Date().toISOString(),
            timeEpoch: Date.now(),
            authorizer,
          },
        } as APIGatewayProxyEventV2WithJWTAuthorizer;
        const result = (await options.handlerOf(route.group)(
          event,
          lambdaContextFor(route.group, requestId),
        )) as APIGatewayProxyStructuredResultV2;
        reply.status(result.statusCode ?? 200);
        for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, String(value));
        return reply.send(result.body ?? '');
      },
    });
  }

  app.setNotFoundHandler((_request, reply) =>
    contractError(reply, 404, 'NOT_FOUND', 'No such route', randomUUID()),
  );
  // Only what fastify itself refuses reaches this (an over-long body, a malformed request line).
  app.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
    const clientFault = error.statusCode !== undefined && error.statusCode < 500;
    return clientFault
      ? contractError(reply, 400, 'VALIDATION_FAILED', 'The request could not be read', randomUUID())
      : contractError(reply, 500, 'INTERNAL', 'Internal error', randomUUID());
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-region', options.regionName);
    return payload;
  });
  return app;
}
