/**
 * The local HTTP gateway: for each route of the API it turns the HTTP request into the API Gateway HTTP
 * API (v2) event the deployed function receives, applies the JWT authorizer's rules first, and calls the
 * same handler module that deploys to Lambda.
 *
 * What it refuses itself (no such route, no or a bad token, a missing scope, a request it cannot read) it
 * answers as the functions answer an error: the contract's error shape, through the same code. Everything
 * else reaches the function as it would deployed: a body up to API Gateway's own quota (the function
 * applies the product's smaller limit), a path parameter of any length (the route's schema judges it).
 */
import { randomUUID } from 'node:crypto';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formBody from '@fastify/formbody';
import { requireScope } from '../functions/http/claims';
import { errorResult, type HttpResult } from '../functions/http/http-handler';
import { API_GATEWAY_MAX_BODY_BYTES, payloadTooLarge } from '../functions/http/request-limits';
import type { RouteDefinition } from '../functions/api/contract/route';
import { AppError, isAppError, ValidationError } from '../shared/domain/errors';
import type { LocalIssuer } from './jwt';

export type LambdaHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<unknown>;

export interface GatewayOptions {
  regionName: string;
  routes: readonly RouteDefinition[];
  /** The handler of each route group (its entry in functions/registry.ts). */
  handlerOf: (group: string) => LambdaHandler;
  issuer: LocalIssuer;
  /** Extra local-only routes (token issuer, sweep, console). */
  extend?: (app: FastifyInstance) => void;
}

/** Far above any identifier: a path parameter reaches the function, whose route schema judges it. */
const MAX_PARAM_LENGTH = 8 * 1024;

function send(reply: FastifyReply, result: HttpResult) {
  reply.status(result.statusCode ?? 200);
  for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, String(value));
  // As bytes: fastify would add a charset to a string's content type, which API Gateway passes as is.
  return reply.send(Buffer.from(result.body ?? '', 'utf8'));
}

/** The contract's answer to an error, as a function gives it. */
export const refuse = (reply: FastifyReply, error: AppError) => send(reply, errorResult(error, randomUUID()));

/** What fastify itself refuses (a body over API Gateway's quota, a URL or body it cannot read). */
function refusalOf(error: { statusCode?: number; code?: string }): AppError {
  if (isAppError(error)) return error;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return payloadTooLarge();
  if (error.statusCode !== undefined && error.statusCode < 500) {
    return new ValidationError('The request could not be read');
  }
  return new AppError('INTERNAL', 'Something went wrong; the request id identifies it in the logs');
}

/** The authorizer's check: the verified claims, or the 401 / 403 API Gateway would answer instead. */
async function authorizerClaims(
  issuer: LocalIssuer,
  scope: NonNullable<RouteDefinition['scope']>,
  authorization: string | undefined,
): Promise<{ claims: Record<string, string>; scopes: string[] }> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (match === null) {
    throw new AppError('UNAUTHENTICATED', 'No bearer token: send Authorization: Bearer <token>');
  }
  const checked = await issuer.check(match[1]!);
  if ('refused' in checked) throw new AppError('UNAUTHENTICATED', checked.refused);
  requireScope({ id: '', scopes: checked.scopes, domains: [] }, scope);
  return checked;
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
  const app = Fastify({
    logger: false,
    bodyLimit: API_GATEWAY_MAX_BODY_BYTES,
    maxParamLength: MAX_PARAM_LENGTH,
    // A URL fastify cannot decode, in the contract's shape too.
    frameworkErrors: (error, _request, reply) => refuse(reply, refusalOf(error)),
    // A request Node's HTTP parser cannot read (a malformed header, headers over its limit) never reaches
    // fastify's routing: answered on the socket, in the contract's shape.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
      const result = errorResult(new ValidationError('The request could not be read'), randomUUID());
      const headers = Object.entries(result.headers ?? {}).map(([name, value]) => `${name}: ${value}\r\n`);
      const body = Buffer.from(result.body ?? '', 'utf8');
      socket.end(
        `HTTP/1.1 ${result.statusCode} Bad Request\r\n${headers.join('')}` +
          `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body.toString('utf8')}`,
      );
    },
  });
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
          const verified = await authorizerClaims(options.issuer, route.scope, headers.authorization);
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
        return send(reply, result);
      },
    });
  }

  app.setNotFoundHandler((_request, reply) => refuse(reply, new AppError('NOT_FOUND', 'No such route')));
  // The authorizer's refusals, and what fastify itself refuses.
  app.setErrorHandler((error: { statusCode?: number; code?: string }, _request, reply) =>
    refuse(reply, refusalOf(error)),
  );
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-region', options.regionName);
    return payload;
  });
  return app;
}
