/**
 * The per-client request budget in memory, for tests without DynamoDB: fixed windows per client as the
 * DynamoDB budget counts them (a refused request is not counted), and each unknown user id's failures,
 * case folded.
 */
import type { ClientBudget } from '../../ports/client-budget';

export interface MemoryClientBudgetOptions {
  /** Requests per client per window. */
  limit: number;
  windowSeconds: number;
}

export class MemoryClientBudget implements ClientBudget {
  private readonly used = new Map<string, number>();
  private readonly unknownUserFailures = new Map<string, number>();

  constructor(private readonly options: MemoryClientBudgetOptions) {}

  async take(clientId: string, now: Date): Promise<{ retryAfterSeconds: number } | null> {
    const { windowSeconds, limit } = this.options;
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const windowStart = nowSeconds - (nowSeconds % windowSeconds);
    const key = JSON.stringify([clientId, windowStart]);
    const used = this.used.get(key) ?? 0;
    if (used >= limit) return { retryAfterSeconds: Math.max(1, windowStart + windowSeconds - nowSeconds) };
    this.used.set(key, used + 1);
    return null;
  }

  async countUnknownUserFailure(userId: string, _now: Date): Promise<number> {
    const key = userId.toLowerCase();
    const before = this.unknownUserFailures.get(key) ?? 0;
    this.unknownUserFailures.set(key, before + 1);
    return before;
  }
}
