/**
 * The request budget: how many SEI requests may start per minute, for one API key.
 *
 * An interface, because the in-process token bucket (one `sei-sync sync`) and the Redis-backed one
 * (all workers of a deployment) must be interchangeable behind the client.
 */
import type { RateEvent } from './rate-control.js';

export interface RequestBudget {
  /**
   * Resolves when one request may be sent. Rejects with the signal's reason when aborted while waiting.
   */
  acquire(signal?: AbortSignal): Promise<void>;
  /**
   * Tells the budget that SEI answered 429: everyone sharing it slows down (./rate-control.ts), and
   * when the server said `Retry-After`, everyone waits that long.
   */
  reportRateLimited(retryAfterMs?: number): void | Promise<void>;
  /** Releases timers or connections. */
  close?(): Promise<void>;
}

/** What the budget did, once per change (never per request): for logs and metrics. */
export type BudgetEvent = RateEvent | { kind: 'paused'; pauseMs: number };

/** Watches a budget; every member is optional. Rates are in requests per minute. */
export interface BudgetObserver {
  /** A request waited `ms` for the budget (not called when it went at once). */
  onWait?(ms: number): void;
  /** The rate in force, each time it changes. */
  onRate?(requestsPerMinute: number): void;
  onEvent?(event: BudgetEvent, configuredRequestsPerMinute: number): void;
}
