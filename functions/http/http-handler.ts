import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { z } from 'zod/mini';
import { AppError, isAppError, ValidationError, type ThrottledError } from '../../shared/domain/errors';
import type { ExpectedVersion } from '../../shared/domain/version';
import { expectedVersionOf } from '../api/contract/etag';
import {
  routeKeyOf,
  type BodyOf,
  type ParamsOf,
  type QueryOf,
  type ReplyBodyOf,
  type RouteDefinition,
} from '../api/contract/route';
import { statusOf } from '../api/contract/statuses';
import { logger } from '../logger';
import { newMetrics, observe } from '../observability';
import { callerOf, requireScope, type Caller } from './claims';
import { bodyBytes, MAX_BODY_BYTES, payloadTooLarge } from './request-limits';
import type { HttpReply } from './responses';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = Exclude<APIGatewayProxyResultV2, string>;

/** What a route's function receives: input validated by the route's schemas, and the verified caller. */
export interface RouteRequest<R extends RouteDefinition = RouteDefinition> {
  params: ParamsOf<R>;
  query: QueryOf<R>;
  body: BodyOf<R>;
  /** The version the If-Match header names, when the route reads it and one is given. */
  expectedVersion: ExpectedVersion | undefined;
  /** Null only on the public routes. */
  caller: Caller;
  requestId: string;
}

export interface BoundRoute {
  route: RouteDefinition;
  handle: (request: RouteRequest) => Promise<HttpReply>;
}

/** A route and its function: the request and reply types are the route's schemas. */
export function bind<R extends RouteDefinition>(
  route: R,
  handle: (request: RouteRequest<R>) => Promise<HttpReply<ReplyBodyOf<R>>>,
): BoundRoute {
  return { route, handle: handle as unknown as BoundRoute['handle'] };
}

/** What one request carries between the middlewares (middy's `request.internal`). */
interface RequestState {
  bound: BoundRoute;
  caller: Caller;
  request: RouteRequest;
}

type Request = middy.Request<HttpEvent, HttpResult, Error, Context, Partial<RequestState>>;
type Middleware = MiddlewareObj<HttpEvent, HttpResult, Error, Context, Partial<RequestState>>;

const requestIdOf = (request: Request) =>
  request.event.requestContext?.requestId ?? request.context.awsRequestId;

function boundOf(request: Request): BoundRoute {
  const bound = request.internal.bound;
  if (bound === undefined) throw new Error('No route was selected');
  return bound;
}

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

const selectRoute = (routes: readonly BoundRoute[]): Middleware => {
  const byKey = new Map(routes.map((bound) => [routeKeyOf(bound.route), bound]));
  return {
    before: (request) => {
      const bound = byKey.get(request.event.routeKey);
      if (bound === undefined) throw new AppError('NOT_FOUND', 'No such route');
      request.internal.bound = bound;
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

const authorize = (): Middleware => ({
  before: (request) => {
    const scope = boundOf(request).route.scope;
    if (scope === null) return;
    refuseExpired(request.event);
    const caller = callerOf(request.event);
    logger.appendKeys({ actor: caller.id });
    requireScope(caller, scope);
    request.internal.caller = caller;
  },
});

const JSON_MEDIA_TYPE = /^application\/(.+\+)?json($|;.+)/;

/**
 * A body over the limit is refused before it is read; a route that takes a body reads it as JSON (and
 * only with a JSON content type); the others refuse one. A body that does not parse is never echoed nor
 * logged: it may hold a passcode.
 */
const parseBody = (): Middleware => ({
  before: (request) => {
    const { body, isBase64Encoded, headers } = request.event;
    if (typeof body === 'string' && bodyBytes(body, isBase64Encoded) > MAX_BODY_BYTES) {
      throw payloadTooLarge();
    }
    if (boundOf(request).route.body === undefined) {
      if (body !== undefined && body !== null && body !== '')
        throw new ValidationError('This route takes no body');
      return;
    }
    if (!JSON_MEDIA_TYPE.test(headers['content-type'] ?? '')) {
      throw new ValidationError('The body must be JSON with Content-Type: application/json');
    }
    if (body === undefined) throw new ValidationError('The body is not valid JSON');
    try {
      const text = isBase64Encoded ? Buffer.from(body, 'base64').toString() : body;
      (request.event as { body: unknown }).body = JSON.parse(text);
    } catch {
      throw new ValidationError('The body is not valid JSON');
    }
  },
});

const validate = (): Middleware => ({
  before: (request) => {
    const { route } = boundOf(request);
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
    request.internal.request = {
      caller: request.internal.caller as Caller,
      params: params as RouteRequest['params'],
      query: query as RouteRequest['query'],
      body: body as RouteRequest['body'],
      expectedVersion: route.ifMatch === undefined ? undefined : expectedVersionOf(ifMatch),
      requestId: requestIdOf(request),
    };
  },
});

/** Registered last: every failure becomes the contract's error shape, and nothing else sets a status. */
const errorHandler = (): Middleware => ({
  onError: (request) => {
    const error = request.error as Error;
    let appError: AppError;
    if (isAppError(error)) {
      appError = error;
    } else {
      // Name and stack frames only: an unexpected error's message may quote what it was handling.
      const frames = (error.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
      logger.error('Unhandled error', { errorName: error.name, frames: frames.slice(0, 10) });
      appError = new AppError('INTERNAL', 'Something went wrong; the request id identifies it in the logs');
    }
    const status = statusOf(appError.code);
    if (status >= 500) {
      logger.error('Request failed', { status, errorCode: appError.code, retryable: appError.retryable });
    } else {
      logger.info('Request refused', { status, errorCode: appError.code });
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
      status: statusOf(error.code),
      body: {
        error: { code: error.code, message: error.message, reasons: [...error.reasons], requestId },
      },
      headers: errorHeaders(error),
    },
    requestId,
  );
}

/**
 * The handler sees only the event and the context; it finds its request's state (middy's
 * `request.internal`) by the event, which is the request's own object.
 */
const stateOfEvent = new WeakMap<HttpEvent, Partial<RequestState>>();

const shareState = (): Middleware => ({
  before: (request) => {
    stateOfEvent.set(request.event, request.internal);
  },
});

/** Each request counted once, by the class of its status. */
function replyMetricOf(status: number): string {
  if (status >= 500) return 'ServerErrors';
  if (status >= 400) return 'ClientErrors';
  return 'Replies';
}

const countReplies = (metrics: Metrics): Middleware => {
  // Returns nothing: a value a middleware returns is middy's early response.
  const count = (request: Request): void => {
    metrics.addMetric(replyMetricOf(request.response?.statusCode ?? 500), MetricUnit.Count, 1);
  };
  return { after: count, onError: count };
};

/**
 * A function serving a group of routes: normalize headers, pick the route, authorize, parse the body,
 * validate, call the route, shape the reply; the error handler last.
 */
export function httpHandler(routes: readonly BoundRoute[]) {
  const metrics = newMetrics();
  return observe(middy<HttpEvent, HttpResult, Error, Context, Partial<RequestState>>(), metrics)
    .use(countReplies(metrics))
    .use(shareState())
    .use(httpHeaderNormalizer())
    .use(selectRoute(routes))
    .use(authorize())
    .use(parseBody())
    .use(validate())
    .use(errorHandler())
    .handler(async (event) => {
      const state = stateOfEvent.get(event);
      if (state?.bound === undefined || state.request === undefined) throw new Error('No route was selected');
      const reply = await state.bound.handle(state.request);
      return toResult(reply, state.request.requestId);
    });
}
