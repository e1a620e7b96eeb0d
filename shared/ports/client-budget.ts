/**
 * Requests a client may make, counted in fixed windows in the service itself (the HTTP API throttles per
 * route and stage only, so without this one client's flood would use up every client's share).
 */
export interface ClientBudget {
  /**
   * Counts one request of `clientId` in the window holding `now`. Null when the budget pays for it; the
   * seconds until the window ends when it is spent (the request is then not counted).
   */
  take(clientId: string, now: Date): Promise<{ retryAfterSeconds: number } | null>;
  /**
   * Counts a failed login of a user id that holds no token, in this region, and returns how many there
   * were before it. Kept for 30 days after the last attempt.
   */
  countUnknownUserFailure(userId: string, now: Date): Promise<number>;
}
