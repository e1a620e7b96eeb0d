import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { z } from 'zod/mini';
import { AppError, isAppError, ValidationError, type ThrottledError } from '../../shared/domain/errors';
import { logger } from '../logger';
import { callerOf, requireScope, type Caller } from './claims';
import { bodyBytes, MAX_BODY_BYTES, payloadTooLarge } from './request-limits';
import type { HttpReply } from './responses';
import { routeKeyOf, type RouteDefinition } from './route';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = Exclude<APIGatewayProxyResultV2, string>;

/** What a route's function receives: validated input and the verified caller. */
export interface RouteRequest<P = Record<string, string>, Q = Record<string, unknown>, B = unknown> {
  params: P;
  query: Q;
  body: B;
  /** The If-Match header, when the route reads it. */
  ifMatch: string | undefined;
  /** Null only on the public routes. */
  caller: Caller;
  requestId: string;
}

export interface BoundRoute {
  route: RouteDefinition;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handle: (request: RouteRequest<any, any, any>) => Promise<HttpReply>;
}

export function bind<P, Q, B>(
  route: RouteDefinition,
  handle: (request: RouteRequest<P, Q, B>) => Promise<HttpReply>,
): BoundRoute {
  return { route, handle };
}

interface ApiContext extends Context {
  bound?: BoundRoute;
  request?: RouteRequest;
}

type Request = middy.Request<HttpEvent, HttpResult, Error, ApiContext>;

const requestIdOf = (request: Request) =>
  request.event.requestContext?.requestId ?? request.context.awsRequestId;

function toResult(reply: HttpReply, requestId: string): HttpResult {
  return {
    statusCode: reply.status,
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'x-request-id': requestId,
      ...reply.headers,
    },
    body: reply.body === undefined ? '' : JSON.stringify(reply.body),
  };
}

function issuesOf(error: z.core.$ZodError, part: string): string[] {
  return error.issues.map((issue) => {
    const path = [part, ...issue.path.map(String)].join('.');
    return `${path}: ${issue.message}`;
  });
}

const selectRoute = (
  routes: readonly BoundRoute[],
): MiddlewareObj<HttpEvent, HttpResult, Error, ApiContext> => {
  const byKey = new Map(routes.map((bound) => [routeKeyOf(bound.route), bound]));
  return {
    before: (request) => {
      const bound = byKey.get(request.event.routeKey);
      if (bound === undefined) throw new AppError('NOT_FOUND', 'No such route');
      request.context.bound = bound;
      logger.appendKeys({ route: request.event.routeKey, requestId: requestIdOf(request) });
    },
  };
};

/**
 * API Gateway's authorizer refuses an expired token before the function runs; a function handed the claims
 * of one long expired (by another path than the authorizer) refuses it as well. The leeway covers the time
 * between the authorizer's check and this one.
 */
const EXPIRY_LEEWAY_SECONDS = 60;

function refuseExpired(event: HttpEvent): void {
  const expiry = Number(event.requestContext.authorizer?.jwt?.claims?.exp);
  if (Number.isFinite(expiry) && expiry + EXPIRY_LEEWAY_SECONDS < Date.now() / 1000) {
    throw new AppError('UNAUTHENTICATED', 'The token has expired');
  }
}

const authorize = (): MiddlewareObj<HttpEvent, HttpResult, Error, ApiContext> => ({
  before: (request) => {
    const scope = request.context.bound!.route.scope;
    if (scope === null) return;
    refuseExpired(request.event);
    const caller = callerOf(request.event);
    logger.appendKeys({ actor: caller.id });
    requireScope(caller, scope);
    request.context.request = { caller } as RouteRequest;
  },
});

/**
 * A body over the limit is refused before it is parsed; then middy's JSON body parser, for the routes that
 * take a body; the others refuse one.
 */
const parseBody = (): MiddlewareObj<HttpEvent, HttpResult, Error, ApiContext> => {
  const parser = httpJsonBodyParser();
  return {
    before: async (request) => {
      const body = request.event.body;
      if (typeof body === 'string' && bodyBytes(body, request.event.isBase64Encoded) > MAX_BODY_BYTES) {
        throw payloadTooLarge();
      }
      if (request.context.bound!.route.body !== undefined) return parser.before!(request as never);
      if (body !== undefined && body !== null && body !== '')
        throw new ValidationError('This route takes no body');
    },
  };
};

const validate = (): MiddlewareObj<HttpEvent, HttpResult, Error, ApiContext> => ({
  before: (request) => {
    const { route } = request.context.bound!;
    const reasons: string[] = [];
    const parse = (schema: z.ZodMiniType | undefined, value: unknown, part: string) => {
      if (schema === undefined) return {};
      const result = schema.safeParse(value);
      if (!result.success) reasons.push(...issuesOf(result.error, part));
      return result.data;
    };
    const params = parse(route.params, request.event.pathParameters ?? {}, 'path');
    const query = route.query
      ? parse(route.query, request.event.queryStringParameters ?? {}, 'query')
      : Object.keys(request.event.queryStringParameters ?? {}).length > 0
        ? (reasons.push('query: this route takes no query parameters'), {})
        : {};
    const body = parse(route.body, (request.event.body as unknown) ?? undefined, 'body');
    if (reasons.length > 0) throw new ValidationError('The request is not valid', reasons);
    const ifMatch = request.event.headers['if-match'];
    if (route.ifMatch === 'required' && (ifMatch === undefined || ifMatch === '')) {
      throw new AppError('IF_MATCH_REQUIRED', 'This change needs an If-Match header with the ETag you read');
    }
    request.context.request = {
      caller: request.context.request?.caller as Caller,
      params: params as Record<string, string>,
      query: query as Record<string, unknown>,
      body,
      ifMatch: route.ifMatch === undefined ? undefined : ifMatch,
      requestId: requestIdOf(request),
    };
  },
});

/** Registered last: every failure becomes the contract's error shape, and nothing else sets a status. */
const errorHandler = (): MiddlewareObj<HttpEvent, HttpResult, Error, ApiContext> => ({
  onError: (request) => {
    const error = request.error as Error & { statusCode?: number; expose?: boolean };
    let appError: AppError;
    if (isAppError(error)) {
      appError = error;
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      // middy's body parser: an unparseable body or a missing JSON content type. Its cause holds the raw
      // body, which may hold a passcode: it is neither logged nor echoed.
      appError = new ValidationError(
        error.statusCode === 415 && /media type/i.test(error.message)
          ? 'The body must be JSON with Content-Type: application/json'
          : 'The body is not valid JSON',
      );
    } else {
      // Name and stack frames only: an unexpected error's message may quote what it was handling.
      const frames = (error.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
      logger.error('Unhandled error', { errorName: error.name, frames: frames.slice(0, 10) });
      appError = new AppError('INTERNAL', 'Something went wrong; the request id identifies it in the logs');
    }
    if (appError.status >= 500) {
      logger.error('Request failed', {
        status: appError.status,
        errorCode: appError.code,
        retryable: appError.retryable,
      });
    } else {
      logger.info('Request refused', { status: appError.status, errorCode: appError.code });
    }
    request.response = errorResult(appError, requestIdOf(request));
  },
});

/** RFC 6750's quoted-string for error_description: printable ASCII without `"` and `\`. */
const challengeText = (text: string) => text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');

function errorHeaders(error: AppError): Record<string, string> {
  if (error.code === 'THROTTLED') {
    return { 'retry-after': String((error as Partial<ThrottledError>).retryAfterSeconds ?? 60) };
  }
  if (error.code === 'UNAUTHENTICATED') {
    const description = challengeText(error.message);
    return { 'www-authenticate': `Bearer error="invalid_token", error_description="${description}"` };
  }
  return {};
}

/**
 * The contract's answer to an error: its status, the one error shape, and the headers that go with it
 * (`Retry-After`, `WWW-Authenticate`). The local gateway answers its own refusals with it too.
 */
export function errorResult(error: AppError, requestId: string): HttpResult {
  return toResult(
    {
      status: error.status,
      body: {
        error: { code: error.code, message: error.message, reasons: [...error.reasons], requestId },
      },
      headers: errorHeaders(error),
    },
    requestId,
  );
}

/**
 * A function serving a group of routes: normalize headers, pick the route, authorize, parse the body,
 * validate, call the route, shape the reply; the error handler last.
 */
export function httpHandler(routes: readonly BoundRoute[]) {
  return middy<HttpEvent, HttpResult, Error, ApiContext>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpHeaderNormalizer())
    .use(selectRoute(routes))
    .use(authorize())
    .use(parseBody())
    .use(validate())
    .use(errorHandler())
    .handler(async (_event, context) => {
      const reply = await context.bound!.handle(context.request!);
      return toResult(reply, context.request!.requestId);
    });
}
