/**
 * The in-process request budget: a token bucket that lets `requestsPerMinute` requests start per
 * minute, with a small burst, at the fraction of that rate 429s leave in force (./rate-control.ts).
 *
 * The arithmetic lives in pure functions over a plain, JSON-serializable state (`takeToken`,
 * `applyRateLimited`), so the Redis-backed budget shared by all workers runs the very same algorithm.
 *
 * After a 429 the bucket lowers its rate (AIMD, ./rate-control.ts) and keeps serving everyone at it;
 * only a 429 with `Retry-After` also pauses every caller for that long (capped at
 * `maxRateLimitPauseMs`) and empties the bucket, as the server asked.
 */
import type { BudgetEvent, BudgetObserver, RequestBudget } from './budget.js';
import {
  countGrant,
  initialRateControlState,
  lowerRate,
  RATE_CONTROL_DEFAULTS,
  type RateControlParams,
  type RateControlState,
  recoverRate,
} from './rate-control.js';

export interface TokenBucketParams extends RateControlParams {
  /** Sustained rate at full speed. */
  requestsPerMinute: number;
  /** Tokens the bucket holds: how many requests may start back to back after a quiet spell. */
  burst: number;
  /** Longest pause a `Retry-After` gets. */
  maxRateLimitPauseMs: number;
}

/** The bucket's state: plain numbers, so it can live in Redis as well as in memory. */
export interface TokenBucketState extends RateControlState {
  tokens: number;
  /** When `tokens` was last brought up to date (ms, the bucket's clock). */
  updatedAtMs: number;
  /** No token is handed out before this instant (a `Retry-After`). */
  pausedUntilMs: number;
}

export interface TakeResult {
  state: TokenBucketState;
  granted: boolean;
  /** When not granted: how long until a token may be available (0 when granted). */
  waitMs: number;
  events: BudgetEvent[];
}

/** Default burst and pause cap, and the rate control's; `requestsPerMinute` comes from the configuration. */
export const TOKEN_BUCKET_DEFAULTS = {
  /** Small on purpose: SEI also limits per 10 s per IP, and a burst is mostly there to start quickly. */
  burst: 4,
  maxRateLimitPauseMs: 120_000,
  ...RATE_CONTROL_DEFAULTS,
} as const satisfies Omit<TokenBucketParams, 'requestsPerMinute'>;

/** A full bucket at full speed. */
export function initialTokenBucketState(params: TokenBucketParams, nowMs: number): TokenBucketState {
  return {
    tokens: params.burst,
    updatedAtMs: nowMs,
    pausedUntilMs: nowMs,
    ...initialRateControlState(nowMs),
  };
}

/**
 * Brings the state to `nowMs`: refills tokens for the time since the last update (none during a
 * pause) at the rate in force, then lets the rate recover by the clean intervals that passed. Tokens
 * accrue at the factor of the start of the span, which errs on the slow side while the rate recovers.
 */
export function refillTokenBucket(
  state: TokenBucketState,
  params: TokenBucketParams,
  nowMs: number,
): { state: TokenBucketState; events: BudgetEvent[] } {
  const from = Math.max(state.updatedAtMs, state.pausedUntilMs);
  if (nowMs <= from) return { state, events: [] };
  const perMs = params.requestsPerMinute / 60_000;
  const tokens = Math.min(params.burst, state.tokens + (nowMs - from) * perMs * state.rateFactor);
  const rate = recoverRate(state, params, nowMs);
  return { state: { ...state, ...rate.state, tokens, updatedAtMs: nowMs }, events: rate.events };
}

/** Tries to take one token at `nowMs`. Pure: returns the next state and, if refused, how long to wait. */
export function takeToken(state: TokenBucketState, params: TokenBucketParams, nowMs: number): TakeResult {
  const { state: current, events } = refillTokenBucket(state, params, nowMs);
  if (nowMs < current.pausedUntilMs) {
    return { state: current, granted: false, waitMs: current.pausedUntilMs - nowMs, events };
  }
  if (current.tokens >= 1) {
    const counted = countGrant(current, params, nowMs);
    return {
      state: { ...current, ...counted.state, tokens: current.tokens - 1 },
      granted: true,
      waitMs: 0,
      events: [...events, ...counted.events],
    };
  }
  const perMs = (params.requestsPerMinute / 60_000) * current.rateFactor;
  const waitMs = Math.max(1, Math.ceil((1 - current.tokens) / perMs));
  return { state: current, granted: false, waitMs, events };
}

/**
 * Applies a 429 at `nowMs`: lowers the rate (at most once per interval); with `retryAfterMs`, also
 * pauses everyone that long and empties the bucket. Pure.
 */
export function applyRateLimited(
  state: TokenBucketState,
  params: TokenBucketParams,
  nowMs: number,
  retryAfterMs?: number,
): { state: TokenBucketState; events: BudgetEvent[] } {
  const refilled = refillTokenBucket(state, params, nowMs);
  const current = refilled.state;
  const pauseMs = retryAfterMs === undefined ? 0 : Math.min(params.maxRateLimitPauseMs, retryAfterMs);
  const pausedUntilMs = Math.max(current.pausedUntilMs, nowMs + pauseMs);
  const rate = lowerRate(current, params, nowMs, pausedUntilMs);
  const events: BudgetEvent[] = [...refilled.events, ...rate.events];
  // Only a pause that starts now is news; 429s inside a pause extend it quietly.
  if (pauseMs > 0 && current.pausedUntilMs <= nowMs) events.push({ kind: 'paused', pauseMs });
  return {
    state: {
      ...current,
      ...rate.state,
      tokens: pauseMs > 0 ? 0 : current.tokens,
      updatedAtMs: nowMs,
      pausedUntilMs,
    },
    events,
  };
}

/** The rate in force, in requests per minute. */
export function rateInForce(state: TokenBucketState, params: TokenBucketParams): number {
  return params.requestsPerMinute * state.rateFactor;
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
  /** Logs and metrics of waits, rate changes and pauses. */
  observer?: BudgetObserver;
}

interface Waiter {
  /** When it started waiting (the bucket's clock). */
  sinceMs: number;
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
  readonly #observer: BudgetObserver;
  #state: TokenBucketState;
  readonly #waiters: Waiter[] = [];
  #timer: unknown;
  #closed = false;

  constructor(options: TokenBucketBudgetOptions) {
    const { clock, observer, ...rest } = options;
    this.params = {
      ...TOKEN_BUCKET_DEFAULTS,
      ...stripUndefined(rest),
      requestsPerMinute: rest.requestsPerMinute,
    };
    if (!(this.params.requestsPerMinute > 0))
      throw new RangeError('requestsPerMinute must be greater than 0');
    if (!(this.params.burst >= 1)) throw new RangeError('burst must be at least 1');
    this.#clock = clock ?? systemClock;
    this.#observer = observer ?? {};
    this.#state = initialTokenBucketState(this.params, this.#clock.now());
  }

  /** A copy of the current state (after a refill), for metrics and tests. */
  get state(): TokenBucketState {
    this.#apply(refillTokenBucket(this.#state, this.params, this.#clock.now()));
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
      this.#apply(result);
      if (result.granted) return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        sinceMs: this.#clock.now(),
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
    this.#apply(applyRateLimited(this.#state, this.params, this.#clock.now(), retryAfterMs));
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
      this.#apply(result);
      if (!result.granted) {
        this.#timer = this.#clock.setTimeout(() => {
          this.#timer = undefined;
          this.#pump();
        }, result.waitMs);
        return;
      }
      const waiter = this.#waiters.shift() as Waiter;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.#observer.onWait?.(this.#clock.now() - waiter.sinceMs);
      waiter.resolve();
    }
  }

  /** Takes the next state and tells the observer what changed. */
  #apply(next: { state: TokenBucketState; events: BudgetEvent[] }): void {
    const before = this.#state.rateFactor;
    this.#state = next.state;
    for (const event of next.events) this.#observer.onEvent?.(event, this.params.requestsPerMinute);
    if (next.state.rateFactor !== before) this.#observer.onRate?.(rateInForce(next.state, this.params));
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
