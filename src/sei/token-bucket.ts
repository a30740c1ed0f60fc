/**
 * The in-process request budget: a token bucket that lets `requestsPerMinute` requests start per
 * minute, with a small burst, and slows down after SEI answers 429.
 *
 * The arithmetic lives in pure functions over a plain, JSON-serializable state (`takeToken`,
 * `applyRateLimited`), so the Redis-backed budget shared by all workers runs the very same algorithm.
 *
 * After a 429 the bucket
 * 1. pauses every caller for the server's `Retry-After`, or else for a backoff that doubles with each
 *    429 in a row (`rateLimitPauseMs`, 2x per strike, up to `maxRateLimitPauseMs`);
 * 2. halves its rate (down to `minRateFactor` of the configured rate) and empties the bucket;
 * 3. once the pause is over, climbs back linearly to the full rate over `recoveryMs`.
 */
import type { RequestBudget } from './budget.js';

export interface TokenBucketParams {
  /** Sustained rate at full speed. */
  requestsPerMinute: number;
  /** Tokens the bucket holds: how many requests may start back to back after a quiet spell. */
  burst: number;
  /** Pause after a 429 that came without `Retry-After`, doubled per 429 in a row. */
  rateLimitPauseMs: number;
  /** Longest pause after a 429 (with or without `Retry-After`). */
  maxRateLimitPauseMs: number;
  /** Lowest fraction of the rate a series of 429s can push the bucket down to. */
  minRateFactor: number;
  /** Time to climb from the lowest rate back to the full rate once the pause is over. */
  recoveryMs: number;
}

/** The bucket's state: plain numbers, so it can live in Redis as well as in memory. */
export interface TokenBucketState {
  tokens: number;
  /** When `tokens` and `rateFactor` were last brought up to date (ms, the bucket's clock). */
  updatedAtMs: number;
  /** No token is handed out before this instant. */
  pausedUntilMs: number;
  /** Fraction of `requestsPerMinute` currently allowed, in [minRateFactor, 1]. */
  rateFactor: number;
  /** 429s since the rate was last back at full speed (drives the pause doubling). */
  strikes: number;
}

export interface TakeResult {
  state: TokenBucketState;
  granted: boolean;
  /** When not granted: how long until a token may be available (0 when granted). */
  waitMs: number;
}

/** Default burst and recovery; `requestsPerMinute` comes from the configuration. */
export const TOKEN_BUCKET_DEFAULTS = {
  /** Small on purpose: SEI also limits per 10 s per IP, and a burst is mostly there to start quickly. */
  burst: 4,
  rateLimitPauseMs: 2_000,
  maxRateLimitPauseMs: 120_000,
  minRateFactor: 1 / 16,
  recoveryMs: 60_000,
} as const satisfies Omit<TokenBucketParams, 'requestsPerMinute'>;

/** A full bucket at full speed. */
export function initialTokenBucketState(params: TokenBucketParams, nowMs: number): TokenBucketState {
  return { tokens: params.burst, updatedAtMs: nowMs, pausedUntilMs: nowMs, rateFactor: 1, strikes: 0 };
}

/**
 * Brings the state to `nowMs`: refills tokens for the time since the last update (none during a
 * pause) and moves the rate factor back towards 1. Tokens accrue at the factor of the start of the
 * interval, which errs on the slow side while the rate recovers.
 */
export function refillTokenBucket(
  state: TokenBucketState,
  params: TokenBucketParams,
  nowMs: number,
): TokenBucketState {
  const from = Math.max(state.updatedAtMs, state.pausedUntilMs);
  if (nowMs <= from) return state;
  const elapsedMs = nowMs - from;
  const perMs = params.requestsPerMinute / 60_000;
  const tokens = Math.min(params.burst, state.tokens + elapsedMs * perMs * state.rateFactor);
  const rateFactor = Math.min(1, state.rateFactor + elapsedMs / params.recoveryMs);
  return {
    tokens,
    updatedAtMs: nowMs,
    pausedUntilMs: state.pausedUntilMs,
    rateFactor,
    strikes: rateFactor >= 1 ? 0 : state.strikes,
  };
}

/** Tries to take one token at `nowMs`. Pure: returns the next state and, if refused, how long to wait. */
export function takeToken(state: TokenBucketState, params: TokenBucketParams, nowMs: number): TakeResult {
  const current = refillTokenBucket(state, params, nowMs);
  if (nowMs < current.pausedUntilMs) {
    return { state: current, granted: false, waitMs: current.pausedUntilMs - nowMs };
  }
  if (current.tokens >= 1) {
    return { state: { ...current, tokens: current.tokens - 1 }, granted: true, waitMs: 0 };
  }
  const perMs = (params.requestsPerMinute / 60_000) * current.rateFactor;
  return { state: current, granted: false, waitMs: Math.max(1, Math.ceil((1 - current.tokens) / perMs)) };
}

/** Applies a 429 at `nowMs`: pause, halve the rate, empty the bucket. Pure. */
export function applyRateLimited(
  state: TokenBucketState,
  params: TokenBucketParams,
  nowMs: number,
  retryAfterMs?: number,
): TokenBucketState {
  const current = refillTokenBucket(state, params, nowMs);
  const backoffMs = params.rateLimitPauseMs * 2 ** current.strikes;
  const pauseMs = Math.min(params.maxRateLimitPauseMs, retryAfterMs ?? backoffMs);
  return {
    tokens: 0,
    updatedAtMs: nowMs,
    pausedUntilMs: Math.max(current.pausedUntilMs, nowMs + pauseMs),
    rateFactor: Math.max(params.minRateFactor, current.rateFactor / 2),
    strikes: current.strikes + 1,
  };
}

/** Time source and timers, injectable so tests run on a fake clock. */
export interface BudgetClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: BudgetClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface TokenBucketBudgetOptions extends Partial<Omit<TokenBucketParams, 'requestsPerMinute'>> {
  /** Requests per minute at full speed (config `SEI_REQUESTS_PER_MINUTE`, default 600). */
  requestsPerMinute: number;
  /** @defaultValue the system's monotonic clock */
  clock?: BudgetClock;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * The budget of one process. Waiters are served first come, first served by one timer set for
 * exactly the moment the next token is due (no polling).
 */
export class TokenBucketBudget implements RequestBudget {
  readonly params: TokenBucketParams;
  readonly #clock: BudgetClock;
  #state: TokenBucketState;
  readonly #waiters: Waiter[] = [];
  #timer: unknown;
  #closed = false;

  constructor(options: TokenBucketBudgetOptions) {
    const { clock, ...rest } = options;
    this.params = {
      ...TOKEN_BUCKET_DEFAULTS,
      ...stripUndefined(rest),
      requestsPerMinute: rest.requestsPerMinute,
    };
    if (!(this.params.requestsPerMinute > 0))
      throw new RangeError('requestsPerMinute must be greater than 0');
    if (!(this.params.burst >= 1)) throw new RangeError('burst must be at least 1');
    this.#clock = clock ?? systemClock;
    this.#state = initialTokenBucketState(this.params, this.#clock.now());
  }

  /** A copy of the current state (after a refill), for metrics and tests. */
  get state(): TokenBucketState {
    this.#state = refillTokenBucket(this.#state, this.params, this.#clock.now());
    return { ...this.#state };
  }

  /** Waiters queued behind the bucket. */
  get waiting(): number {
    return this.#waiters.length;
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) return Promise.reject(new Error('the request budget is closed'));
    if (this.#waiters.length === 0) {
      const result = takeToken(this.#state, this.params, this.#clock.now());
      this.#state = result.state;
      if (result.granted) return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          reject(signal?.reason);
          this.#pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#pump();
    });
  }

  reportRateLimited(retryAfterMs?: number): void {
    this.#state = applyRateLimited(this.#state, this.params, this.#clock.now(), retryAfterMs);
    this.#pump();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelTimer();
    for (const waiter of this.#waiters.splice(0)) {
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(new Error('the request budget was closed'));
    }
  }

  /** Serves waiters while tokens last, then sets one timer for when the next token is due. */
  #pump(): void {
    this.#cancelTimer();
    while (this.#waiters.length > 0) {
      const result = takeToken(this.#state, this.params, this.#clock.now());
      this.#state = result.state;
      if (!result.granted) {
        this.#timer = this.#clock.setTimeout(() => {
          this.#timer = undefined;
          this.#pump();
        }, result.waitMs);
        return;
      }
      const waiter = this.#waiters.shift() as Waiter;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
