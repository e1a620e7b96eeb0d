import { getNumberFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { isAppError, ValidationError } from '../shared/domain/errors';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import {
  SWEEP_DEFAULTS,
  sweepExpired,
  type SweepFailure,
  type SweepResult,
} from '../shared/use-cases/sweep-expired';
import { productionDependencies } from './dependencies';
import { logger } from './logger';
import { newMetrics, observe } from './observability';

/**
 * The expiry sweep, invoked by EventBridge Scheduler in every region. The schedule's payload may carry
 * `now` (tests and the local system): the sweep then runs as of that time, which may lie in the past but
 * never ahead of the clock, since whoever may invoke the function must not be able to expire codes early.
 */

export interface SweepSettings {
  maxItems: number;
  concurrency: number;
  /** Default: the cap on a code's lifetime. */
  lookBackDays: number | undefined;
  /** The run stops starting work this long before the Lambda timeout, to finish what is under way. */
  timeMarginMs: number;
}

export const DEFAULT_SWEEP_SETTINGS: SweepSettings = {
  ...SWEEP_DEFAULTS,
  lookBackDays: undefined,
  timeMarginMs: 10_000,
};

/** The settings from the environment, read once at cold start; a malformed value stops the cold start. */
export function sweepSettingsFromEnv(): SweepSettings {
  const read = (key: string, defaultValue: number, min: number) => {
    const value = getNumberFromEnv({ key, defaultValue });
    if (!Number.isInteger(value) || value < min) throw new Error(`${key} must be an integer from ${min}`);
    return value;
  };
  const lookBack = process.env.SWEEP_LOOKBACK_DAYS?.trim();
  return {
    maxItems: read('SWEEP_MAX_ITEMS', DEFAULT_SWEEP_SETTINGS.maxItems, 1),
    concurrency: read('SWEEP_CONCURRENCY', DEFAULT_SWEEP_SETTINGS.concurrency, 1),
    lookBackDays: lookBack ? read('SWEEP_LOOKBACK_DAYS', 0, 0) : undefined,
    timeMarginMs: read('SWEEP_TIME_MARGIN_MS', DEFAULT_SWEEP_SETTINGS.timeMarginMs, 0),
  };
}

const sweepEvent = z.looseObject({ now: z.optional(z.iso.datetime()) });

export interface SweepReply extends SweepResult {
  now: string;
}

function logFailure(failure: SweepFailure): void {
  const { error } = failure;
  logger.warn('sweep item failed', {
    what: failure.what,
    subject: failure.subject,
    errorName: error instanceof Error ? error.name : typeof error,
    // AppError messages are written for people and carry no dependency text; others may carry anything.
    ...(isAppError(error) ? { errorCode: error.code, errorMessage: error.message } : {}),
  });
}

/** The run's counts; the metrics middleware publishes them when the run ends, failed or not. */
function addCounts(metrics: Metrics, result: SweepResult): void {
  const counts: [string, number][] = [
    ['Due', result.due],
    ['Expired', result.expired],
    ['Skipped', result.skipped],
    ['Failed', result.failed],
    ['DownloadsDue', result.downloads.due],
    ['DownloadsRemoved', result.downloads.removed],
    ['DownloadsSkipped', result.downloads.skipped],
    ['DownloadsFailed', result.downloads.failed],
    ['StoppedEarly', result.stoppedEarly ? 1 : 0],
  ];
  for (const [name, value] of counts) metrics.addMetric(name, MetricUnit.Count, value);
}

export function createHandler(
  deps: UseCaseDependencies,
  options: { settings?: Partial<SweepSettings>; metrics?: Metrics } = {},
) {
  const settings = { ...DEFAULT_SWEEP_SETTINGS, ...options.settings };
  const metrics = options.metrics ?? newMetrics();

  const sweep = async (event: unknown, context: Context): Promise<SweepReply> => {
    const parsed = sweepEvent.safeParse(event ?? {});
    if (!parsed.success) throw new ValidationError('The sweep event is not valid', ['now']);
    const clockNow = deps.clock();
    const now = parsed.data.now === undefined ? clockNow : new Date(parsed.data.now);
    if (now.getTime() > clockNow.getTime()) {
      throw new ValidationError('The sweep cannot run ahead of the clock', ['now']);
    }

    const result = await sweepExpired(deps, {
      now,
      deadline: Date.now() + context.getRemainingTimeInMillis() - settings.timeMarginMs,
      maxItems: settings.maxItems,
      concurrency: settings.concurrency,
      lookBackDays: settings.lookBackDays,
      requestId: context.awsRequestId,
      onFailure: logFailure,
    });
    addCounts(metrics, result);
    const { downloads, ...counts } = result;
    logger.info('sweep finished', { now: now.toISOString(), ...counts, downloads });
    // A run that could not read the index fails, so that the function's error alarm sees it; what it did
    // is kept, and the next run (or the scheduler's retry) continues.
    if (result.stopReason === 'index-read-failed') {
      throw new Error('The expiry sweep could not read the expiry index');
    }
    return { now: now.toISOString(), ...result };
  };
  return observe(middy(sweep), metrics);
}

export const handler = createHandler(productionDependencies(), { settings: sweepSettingsFromEnv() });
