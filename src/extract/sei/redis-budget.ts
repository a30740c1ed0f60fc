/**
 * The request budget shared by every worker of a deployment, through Redis.
 *
 * The algorithm is the in-process token bucket's (src/extract/sei/token-bucket.ts: `takeToken`,
 * `applyRateLimited`), run on a state kept in Redis and timed by Redis's clock (`TIME`), so machines
 * with skewed clocks agree. Each change is an atomic compare-and-set (a Lua script that writes only if
 * the state is still the one read); a worker that loses the race reads again. A 429 seen by any worker
 * slows down all of them (and a `Retry-After` pauses all of them), and they recover together. The
 * worker whose write made a change reports it (its observer logs it), so each change is logged once.
 *
 * The Redis key names the API key by a SHA-256 fingerprint prefix, never the key itself.
 *
 * "Never more than N requests in any minute": a token bucket lets `burst + rate × window` through in a
 * window, so the sustained rate is set to `requestsPerMinute - burst` per minute.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Secret } from '../../secret.js';
import type { BudgetEvent, BudgetObserver, RequestBudget } from './budget.js';
import {
  applyRateLimited,
  initialTokenBucketState,
  rateInForce,
  TOKEN_BUCKET_DEFAULTS,
  type TokenBucketParams,
  type TokenBucketState,
  takeToken,
} from './token-bucket.js';

export interface RedisBudgetOptions extends Partial<Omit<TokenBucketParams, 'requestsPerMinute'>> {
  redis: Redis;
  /** Key prefix (the BullMQ prefix). */
  prefix: string;
  /** The SEI key the budget belongs to; only its fingerprint is used. Undefined: a shared anonymous budget. */
  apiKey: Secret | undefined;
  /** Requests per minute for this key across all workers, never exceeded in any 60 s window. */
  requestsPerMinute: number;
  /** Longest sleep before asking Redis again (a 429 elsewhere may have changed the plan). @defaultValue 1000 */
  maxPollMs?: number;
  /** Called with Redis's time of each grant (ms); for tests and metrics. */
  onGrant?: (grantedAtMs: number) => void;
  /** Logs and metrics of waits, rate changes and pauses. */
  observer?: BudgetObserver;
}

export const REDIS_BUDGET_DEFAULTS = { maxPollMs: 1_000 } as const;

/** SHA-256 prefix naming a key without revealing it. */
export function keyFingerprint(apiKey: Secret | undefined): string {
  if (apiKey === undefined) return 'anonymous';
  return createHash('sha256').update(apiKey.reveal()).digest('hex').slice(0, 16);
}

/** Reads the state and Redis's clock in one step. */
const LOAD = `local t = redis.call('TIME')
return {redis.call('GET', KEYS[1]) or '', t[1], t[2]}`;
/** Writes the new state only if nobody changed it since it was read. */
const COMPARE_AND_SET = `local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

export class RedisRequestBudget implements RequestBudget {
  readonly params: TokenBucketParams;
  readonly key: string;
  readonly #redis: Redis;
  readonly #maxPollMs: number;
  readonly #ttlMs: number;
  readonly #onGrant: ((grantedAtMs: number) => void) | undefined;
  readonly #observer: BudgetObserver;
  /** The rate last reported to the observer (another worker may have changed it since). */
  #reportedRate: number | undefined;

  constructor(options: RedisBudgetOptions) {
    const { redis, prefix, apiKey, requestsPerMinute, maxPollMs, onGrant, observer, ...overrides } = options;
    const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
    const base = { ...TOKEN_BUCKET_DEFAULTS, ...defined } as Omit<TokenBucketParams, 'requestsPerMinute'>;
    if (!(requestsPerMinute > base.burst)) {
      throw new RangeError(`requestsPerMinute (${requestsPerMinute}) must exceed the burst (${base.burst})`);
    }
    this.params = { ...base, requestsPerMinute: requestsPerMinute - base.burst };
    this.key = `${prefix}:sei-sync:budget:${keyFingerprint(apiKey)}`;
    this.#redis = redis;
    this.#maxPollMs = maxPollMs ?? REDIS_BUDGET_DEFAULTS.maxPollMs;
    // Forgotten when idle long enough for a fresh bucket to be equivalent.
    this.#ttlMs = 2 * base.maxRateLimitPauseMs + base.intervalMs / base.increaseStep + 60_000;
    this.#onGrant = onGrant;
    this.#observer = observer ?? {};
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    let firstRefusedAtMs: number | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const { raw, state, nowMs } = await this.#load();
      const result = takeToken(state, this.params, nowMs);
      if (result.granted) {
        if (await this.#store(raw, result.state)) {
          this.#report(result.state, result.events);
          if (firstRefusedAtMs !== undefined) this.#observer.onWait?.(nowMs - firstRefusedAtMs);
          this.#onGrant?.(nowMs);
          return;
        }
        continue;
      }
      firstRefusedAtMs ??= nowMs;
      try {
        await sleep(Math.min(result.waitMs, this.#maxPollMs), undefined, { signal });
      } catch (error) {
        // The RequestBudget contract: reject with the signal's reason, not a generic AbortError.
        throw signal?.aborted ? signal.reason : error;
      }
    }
  }

  async reportRateLimited(retryAfterMs?: number): Promise<void> {
    for (;;) {
      const { raw, state, nowMs } = await this.#load();
      const next = applyRateLimited(state, this.params, nowMs, retryAfterMs);
      if (await this.#store(raw, next.state)) {
        this.#report(next.state, next.events);
        return;
      }
    }
  }

  /** Tells the observer what this worker's write changed, and the shared rate when it moved. */
  #report(state: TokenBucketState, events: readonly BudgetEvent[]): void {
    for (const event of events) this.#observer.onEvent?.(event, this.params.requestsPerMinute);
    const rate = rateInForce(state, this.params);
    if (rate !== this.#reportedRate) {
      this.#reportedRate = rate;
      this.#observer.onRate?.(rate);
    }
  }

  /** The shared state as Redis holds it now (after no refill), with Redis's clock; for status and tests. */
  async snapshot(): Promise<{ state: TokenBucketState; nowMs: number }> {
    const { state, nowMs } = await this.#load();
    return { state, nowMs };
  }

  async #load(): Promise<{ raw: string; state: TokenBucketState; nowMs: number }> {
    const [raw, seconds, micros] = (await this.#redis.eval(LOAD, 1, this.key)) as [string, string, string];
    const nowMs = Number(seconds) * 1000 + Number(micros) / 1000;
    // Fields a newer version added are missing from a state an older worker wrote: start them fresh.
    const state: TokenBucketState =
      raw === ''
        ? initialTokenBucketState(this.params, nowMs)
        : {
            ...initialTokenBucketState(this.params, nowMs),
            ...(JSON.parse(raw) as Partial<TokenBucketState>),
          };
    return { raw, state, nowMs };
  }

  async #store(expected: string, next: TokenBucketState): Promise<boolean> {
    const written = await this.#redis.eval(
      COMPARE_AND_SET,
      1,
      this.key,
      expected,
      JSON.stringify(next),
      String(this.#ttlMs),
    );
    return written === 1;
  }
}
