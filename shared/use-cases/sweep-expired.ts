import { randomUUID } from 'node:crypto';
import { offlineEmergencyStateOf } from '../domain/emergency-access';
import { isConflict, ValidationError } from '../domain/errors';
import type { IssuedEmergencyCode, OutboxEvent } from '../domain/model';
import type { DueCode, Page, PageRequest, RunOutDownload } from '../ports/token-store';
import { appendAuditEvents, auditEventOf } from './audit';
import type { UseCaseDependencies } from './context';
import { runPool } from './promise-pool';

/**
 * The scheduled expiry sweep, run in every region.
 *
 * It reads the sparse expiry index day bucket by day bucket, oldest first, from `lookBackDays` before
 * `now` up to today, and in each bucket only the entries due by `now`; it never reads what is not due.
 * Each due code is read again from the table and expired only if it is still the same generation, still
 * active and still due, with a write conditional on the version read: the sealed code and its verifier
 * are dropped (crypto-shredding: the ciphertext is gone, and with it any use of the key for this code),
 * the item leaves the index, and an `emergency-access.expired` event is audited. Download records whose
 * offline data ran out are removed the same way, conditional on their version.
 *
 * It remembers nothing between runs: what it handled has left the index, so the next run continues with
 * what is left. Several runs at once (one per region, or a retry) are safe: only one conditional write
 * per item wins, and the others count it as skipped. Across regions (global tables check conditions only
 * in the region written), two regions can both expire a code: the item ends the same, and each region
 * audits its own expiry. Each generation is its own item, so an expiry never touches a newer generation
 * issued meanwhile in another region; and each region removes only the download records it wrote.
 *
 * The look-back bounds each run's empty reads (one Query per empty bucket). A code left behind a longer
 * outage of every region's sweep is still never usable, because every read path treats a code past
 * `expiresAt` as expired (offlineEmergencyStateOf); it only keeps its ciphertext until a run with a
 * longer look-back.
 */

export const SWEEP_ACTOR = 'sweep';

export const SWEEP_DEFAULTS = {
  /** Index entries handled per run, codes and downloads together. */
  maxItems: 5_000,
  concurrency: 8,
} as const;

const PAGE_SIZE = 100;
const DAY_MS = 86_400_000;

export interface SweepOptions {
  /** What is due at or before this time is expired. Default: the clock. */
  now?: Date;
  /** No item starts at or after this time of the real clock (`Date.now()`, milliseconds). */
  deadline?: number;
  maxItems?: number;
  /** Items worked on at once. */
  concurrency?: number;
  /** Days before `now` whose buckets are read. Default: the cap on a code's lifetime. */
  lookBackDays?: number;
  /** Written into the audit events. */
  requestId?: string;
  /** Told of each failure, to log; the run goes on. */
  onFailure?: (failure: SweepFailure) => void;
}

export interface SweepFailure {
  /** `code-audit`: the code was expired but its audit event could not be written. */
  what: 'code' | 'code-audit' | 'download' | 'index';
  /** The serial, `<userId>/<agentId>`, or the index bucket. Never a secret. */
  subject: string;
  error: unknown;
}

export type SweepStopReason = 'complete' | 'deadline' | 'max-items' | 'index-read-failed';

export interface SweepResult {
  /** Due codes taken from the index: each is then expired, skipped or failed. */
  due: number;
  expired: number;
  /** Changed meanwhile (re-issued, already expired, no longer due) or the conditional write was lost. */
  skipped: number;
  failed: number;
  downloads: { due: number; removed: number; skipped: number; failed: number };
  /** True when a bound or an index read stopped the run: the next run continues. */
  stoppedEarly: boolean;
  stopReason: SweepStopReason;
}

/** The expiry day buckets a run reads, oldest first: from `lookBackDays` before `now` to `now`'s day. */
export function expiryDaysToSweep(now: Date, lookBackDays: number): string[] {
  const days: string[] = [];
  const today = Math.floor(now.getTime() / DAY_MS);
  for (let day = today - lookBackDays; day <= today; day++) {
    days.push(new Date(day * DAY_MS).toISOString().slice(0, 10));
  }
  return days;
}

export async function sweepExpired(
  deps: UseCaseDependencies,
  options: SweepOptions = {},
): Promise<SweepResult> {
  const now = options.now ?? deps.clock();
  const concurrency = options.concurrency ?? SWEEP_DEFAULTS.concurrency;
  const maxItems = options.maxItems ?? SWEEP_DEFAULTS.maxItems;
  const lookBackDays = options.lookBackDays ?? deps.policyCaps.maxEmergencyCodeLifetimeDays;
  const problems = [
    ...(Number.isNaN(now.getTime()) ? ['now'] : []),
    ...(isCount(concurrency, 1) ? [] : ['concurrency']),
    ...(isCount(maxItems, 0) ? [] : ['maxItems']),
    ...(isCount(lookBackDays, 0) ? [] : ['lookBackDays']),
  ];
  if (problems.length > 0) throw new ValidationError('The sweep options are not valid', problems);

  const run: Run = {
    deps,
    now,
    nowIso: now.toISOString(),
    requestId: options.requestId ?? `sweep-${randomUUID()}`,
    budget: new RunBudget(maxItems, options.deadline ?? Number.POSITIVE_INFINITY),
    concurrency,
    report: options.onFailure ?? (() => undefined),
    result: {
      due: 0,
      expired: 0,
      skipped: 0,
      failed: 0,
      downloads: { due: 0, removed: 0, skipped: 0, failed: 0 },
    },
  };
  const days = expiryDaysToSweep(now, lookBackDays);
  // Codes first: they hold the secrets. A run-out download grants nothing while it waits (eligibility
  // reads its validUntil), so it only has to be gone eventually.
  await sweepBuckets(
    run,
    days,
    (day, page) => deps.store.findDueCodes(day, run.nowIso, page),
    (due) => expireCode(run, due),
  );
  await sweepBuckets(
    run,
    days,
    (day, page) => deps.store.findRunOutDownloads(deps.regionName, day, run.nowIso, page),
    (download) => removeDownload(run, download),
  );
  const stopReason = run.budget.stopReason ?? 'complete';
  return { ...run.result, stoppedEarly: stopReason !== 'complete', stopReason };
}

interface Run {
  deps: UseCaseDependencies;
  now: Date;
  nowIso: string;
  requestId: string;
  budget: RunBudget;
  concurrency: number;
  report: (failure: SweepFailure) => void;
  result: Omit<SweepResult, 'stoppedEarly' | 'stopReason'>;
}

function isCount(value: number, min: number): boolean {
  return Number.isInteger(value) && value >= min;
}

/** What one run may still do: items left under `maxItems`, and time left before the deadline. */
class RunBudget {
  started = 0;
  stopReason: Exclude<SweepStopReason, 'complete'> | null = null;

  constructor(
    private readonly maxItems: number,
    private readonly deadline: number,
  ) {}

  get remaining(): number {
    return this.maxItems - this.started;
  }

  /** Whether more work may start; records why not, once it may not. */
  isOpen(): boolean {
    if (this.stopReason === null && Date.now() >= this.deadline) this.stopReason = 'deadline';
    if (this.stopReason === null && this.started >= this.maxItems) this.stopReason = 'max-items';
    return this.stopReason === null;
  }

  /** Counts one item started, if it may start. */
  take(): boolean {
    if (!this.isOpen()) return false;
    this.started += 1;
    return true;
  }

  stop(reason: Exclude<SweepStopReason, 'complete'>): void {
    this.stopReason ??= reason;
  }
}

/**
 * Every due entry of the buckets, page by page, each page worked with bounded concurrency. The cursor
 * stays valid while the entries already handled leave the index.
 */
async function sweepBuckets<T>(
  run: Run,
  days: readonly string[],
  find: (day: string, page: PageRequest) => Promise<Page<T>>,
  handle: (item: T) => Promise<void>,
): Promise<void> {
  for (const day of days) {
    let cursor: string | null = null;
    do {
      if (!run.budget.isOpen()) return;
      let page: Page<T>;
      try {
        page = await find(day, { limit: Math.min(PAGE_SIZE, run.budget.remaining), cursor });
      } catch (error) {
        run.report({ what: 'index', subject: day, error });
        run.budget.stop('index-read-failed');
        return;
      }
      await runPool(page.items, run.concurrency, handle, () => run.budget.take());
      cursor = page.cursor;
    } while (cursor !== null);
  }
}

/** Whether the code read from the table is still the one the index named, still active and due. */
function isStillDue(
  issued: IssuedEmergencyCode | null,
  due: DueCode,
  now: Date,
): issued is IssuedEmergencyCode {
  return (
    issued !== null &&
    issued.state === 'active' &&
    issued.generation === due.generation &&
    offlineEmergencyStateOf(issued, now) === 'expired'
  );
}

async function expireCode(run: Run, due: DueCode): Promise<void> {
  const { deps, result } = run;
  result.due += 1;
  let issued: IssuedEmergencyCode | null;
  let events: OutboxEvent[];
  try {
    issued = await deps.store.getIssuedCode(due.serial, due.generation);
    if (!isStillDue(issued, due, run.now)) {
      result.skipped += 1;
      return;
    }
    events = [
      auditEventOf(deps, {
        serial: due.serial,
        action: 'emergency-access.expired',
        actor: SWEEP_ACTOR,
        requestId: run.requestId,
        outcome: 'success',
        details: { generation: issued.generation },
      }),
    ];
    await deps.store.saveIssuedCode(
      { ...issued, state: 'expired', sealedCode: null, verifier: null },
      events,
    );
  } catch (error) {
    if (isConflict(error)) {
      result.skipped += 1;
    } else {
      result.failed += 1;
      run.report({ what: 'code', subject: due.serial, error });
    }
    return;
  }
  try {
    await appendAuditEvents(deps, events);
    result.expired += 1;
  } catch (error) {
    // The event is in the item's outbox, so the materializer appends it; the failure is still reported.
    result.failed += 1;
    run.report({ what: 'code-audit', subject: due.serial, error });
  }
}

async function removeDownload(run: Run, entry: RunOutDownload): Promise<void> {
  const { deps } = run;
  const counts = run.result.downloads;
  counts.due += 1;
  try {
    const record = await deps.store.getOfflineAuthentication(entry.userId, entry.agentId, entry.region);
    const runOut =
      record !== null &&
      record.download !== null &&
      Date.parse(record.download.validUntil) <= run.now.getTime();
    if (!runOut) {
      counts.skipped += 1;
      return;
    }
    await deps.store.deleteOfflineAuthentication(record);
    counts.removed += 1;
  } catch (error) {
    if (isConflict(error)) {
      counts.skipped += 1;
    } else {
      counts.failed += 1;
      run.report({ what: 'download', subject: `${entry.userId}/${entry.agentId}`, error });
    }
  }
}
