/**
 * Every function of the registry, loaded as a cold start loads it, runs inside the Powertools middlewares:
 * the tracer's (captureLambdaHandler), the logger's Lambda context and the metrics flush. Each handler is
 * invoked with an event it refuses or that holds no work, so nothing is read or written; what is checked is
 * that each middleware ran around it.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { EVENT_FUNCTIONS, ROUTE_FUNCTIONS } from '../../../functions/registry';
import { lambdaContext } from '../../support/events';

// Nothing is listening here: a call that reached DynamoDB would fail at once, never hang.
Object.assign(process.env, {
  TABLE_NAME: 'observability-test',
  AWS_REGION: 'us-east-1',
  REGION_NAME: 'test-primary',
  SEALER: 'local',
  LOCAL_KEY_FILE: '/nonexistent/observability-test/sealing.key',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
  EVENT_BUS_NAME: 'observability-test',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT',
});

type AnyHandler = (event: unknown, context: unknown) => Promise<unknown>;

/** An event each function refuses, or one with nothing to do. */
const HTTP_EVENT = {
  routeKey: 'GET /v1/no-such-route',
  rawPath: '/v1/no-such-route',
  headers: {},
  requestContext: { requestId: 'observability-test', http: { method: 'GET', path: '/v1/no-such-route' } },
};
const EVENTS: Record<keyof typeof EVENT_FUNCTIONS, unknown> = {
  sweep: { now: 'not a time' },
  'audit-outbox': { Records: [] },
  'audit-trail': { Records: [] },
};

const modules = {
  ...Object.fromEntries(
    Object.entries(ROUTE_FUNCTIONS).map(([name, load]) => [name, { load, event: HTTP_EVENT }]),
  ),
  ...Object.fromEntries(
    Object.entries(EVENT_FUNCTIONS).map(([name, load]) => [
      name,
      { load, event: EVENTS[name as keyof typeof EVENT_FUNCTIONS] },
    ]),
  ),
} as Record<string, { load: () => Promise<unknown>; event: unknown }>;

afterEach(() => jest.restoreAllMocks());

describe('the Powertools middlewares of every function', () => {
  it.each(Object.keys(modules))('%s: traced, with the logger context, metrics flushed', async (name) => {
    const { load, event } = modules[name]!;
    const { handler } = (await load()) as { handler: AnyHandler };
    const traced = jest.spyOn(Tracer.prototype, 'isTracingEnabled');
    const withContext = jest.spyOn(Logger.prototype, 'addContext');
    const flushed = jest.spyOn(Metrics.prototype, 'publishStoredMetrics');
    const context = lambdaContext(name);
    await handler(event, context).catch(() => undefined);
    expect(traced).toHaveBeenCalled();
    expect(withContext).toHaveBeenCalledWith(context);
    expect(flushed).toHaveBeenCalledTimes(1);
  });

  it('answers a route it does not serve in the contract error shape, the middlewares around it', async () => {
    const { handler } = (await ROUTE_FUNCTIONS['admin-search']()) as { handler: AnyHandler };
    const reply = (await handler(HTTP_EVENT, lambdaContext('admin-search'))) as { statusCode: number };
    expect(reply.statusCode).toBe(404);
  });
});
