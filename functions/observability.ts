import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type middy from '@middy/core';
import { logger } from './logger';

/**
 * Tracing, metrics and logging of every function, as Powertools middlewares on its middy pipeline. The
 * tracer is off outside Lambda and wherever POWERTOOLS_TRACE_ENABLED is `false` (the tests, the local
 * system); the CDK app turns on active tracing and sets the service name.
 */

export const METRICS_NAMESPACE = 'EmergencyAccess';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'emergency-access';

/** One per process: the handler's segment, and a subsegment for each call of a client it traces. */
export const tracer = new Tracer({ serviceName });

/** An AWS SDK v3 client whose calls appear as subsegments; for the clients made once, at cold start. */
export const traced = <C>(client: C): C => tracer.captureAWSv3Client(client);

/** A function's metrics: the EmitMetrics of its invocations, published by `observe` when each one ends. */
export const newMetrics = (): Metrics => new Metrics({ namespace: METRICS_NAMESPACE, serviceName, logger });

/** Every numeric field of a result as a count metric of the same name, capitalized. */
export function addCounts(metrics: Metrics, counts: object): void {
  for (const [name, value] of Object.entries(counts)) {
    if (typeof value === 'number') {
      metrics.addMetric(name.charAt(0).toUpperCase() + name.slice(1), MetricUnit.Count, value);
    }
  }
}

/**
 * The first middlewares of every function: the trace of the invocation (its errors and result included),
 * the logger's Lambda context (keys reset per invocation), and the metrics flushed at its end, failed or not.
 */
export function observe<E, R>(pipeline: middy.MiddyfiedHandler<E, R>, metrics: Metrics) {
  return (
    pipeline
      // A reply may hold an emergency code: the trace records that the handler ran, never what it answered.
      .use(captureLambdaHandler(tracer, { captureResponse: false }))
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(logMetrics(metrics))
  );
}
