/**
 * The request budget: how many SEI requests may start per minute, for one API key.
 *
 * An interface, because the in-process token bucket (one `sei-sync sync`) and the Redis-backed one
 * (all workers of a deployment) must be interchangeable behind the client.
 */
export interface RequestBudget {
  /**
   * Resolves when one request may be sent. Rejects with the signal's reason when aborted while waiting.
   */
  acquire(signal?: AbortSignal): Promise<void>;
  /**
   * Tells the budget that SEI answered 429: everyone sharing it slows down (for `retryAfterMs` when
   * the server said so, else by a backoff of the budget's own), then recovers gradually.
   */
  reportRateLimited(retryAfterMs?: number): void | Promise<void>;
  /** Releases timers or connections. */
  close?(): Promise<void>;
}
