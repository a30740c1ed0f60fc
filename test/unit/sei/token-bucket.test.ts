import { describe, expect, it } from 'vitest';
import {
  applyRateLimited,
  initialTokenBucketState,
  TOKEN_BUCKET_DEFAULTS,
  TokenBucketBudget,
  type TokenBucketParams,
  takeToken,
} from '../../../src/sei/token-bucket.js';
import { FakeClock, flushPromises } from './fake-clock.js';

const PARAMS: TokenBucketParams = { ...TOKEN_BUCKET_DEFAULTS, requestsPerMinute: 600, burst: 3 };
/** 600 per minute: one token every 100 ms. */
const INTERVAL_MS = 100;

describe('token bucket math (pure)', () => {
  it('starts full, hands out the burst, then asks to wait one interval', () => {
    let state = initialTokenBucketState(PARAMS, 0);
    for (let i = 0; i < 3; i++) {
      const result = takeToken(state, PARAMS, 0);
      expect(result.granted).toBe(true);
      state = result.state;
    }
    const refused = takeToken(state, PARAMS, 0);
    expect(refused).toMatchObject({ granted: false, waitMs: INTERVAL_MS });
    expect(takeToken(refused.state, PARAMS, INTERVAL_MS - 1).granted).toBe(false);
    expect(takeToken(refused.state, PARAMS, INTERVAL_MS).granted).toBe(true);
  });

  it('never exceeds burst + rate over a window', () => {
    let state = initialTokenBucketState(PARAMS, 0);
    let granted = 0;
    for (let now = 0; now <= 10_000; now += 7) {
      const result = takeToken(state, PARAMS, now);
      state = result.state;
      if (result.granted) granted++;
    }
    expect(granted).toBeLessThanOrEqual(3 + 10_000 / INTERVAL_MS);
    expect(granted).toBeGreaterThanOrEqual(10_000 / INTERVAL_MS);
  });

  it('does not store more than the burst after a quiet spell', () => {
    const state = { ...initialTokenBucketState(PARAMS, 0), tokens: 0 };
    const result = takeToken(state, PARAMS, 3_600_000);
    expect(result.state.tokens).toBe(PARAMS.burst - 1);
  });

  it("after a 429 pauses for the server's Retry-After, halves the rate and empties the bucket", () => {
    const limited = applyRateLimited(initialTokenBucketState(PARAMS, 0), PARAMS, 1_000, 5_000);
    expect(limited).toMatchObject({ tokens: 0, pausedUntilMs: 6_000, rateFactor: 0.5, strikes: 1 });
    expect(takeToken(limited, PARAMS, 5_999)).toMatchObject({ granted: false, waitMs: 1 });
    // After the pause tokens accrue at half the rate: one every 200 ms.
    const afterPause = takeToken(limited, PARAMS, 6_000);
    expect(afterPause).toMatchObject({ granted: false, waitMs: 2 * INTERVAL_MS });
  });

  it('without Retry-After pauses by a backoff that doubles per strike, capped', () => {
    let state = initialTokenBucketState(PARAMS, 0);
    const pauses: number[] = [];
    for (let i = 0; i < 10; i++) {
      state = applyRateLimited(state, PARAMS, 0);
      pauses.push(state.pausedUntilMs);
    }
    expect(pauses.slice(0, 4)).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(Math.max(...pauses)).toBe(PARAMS.maxRateLimitPauseMs);
    expect(state.rateFactor).toBe(PARAMS.minRateFactor);
  });

  it('caps a long Retry-After', () => {
    const state = applyRateLimited(initialTokenBucketState(PARAMS, 0), PARAMS, 0, 10 * 3_600_000);
    expect(state.pausedUntilMs).toBe(PARAMS.maxRateLimitPauseMs);
  });

  it('recovers linearly to the full rate after the pause and forgets the strikes', () => {
    const limited = applyRateLimited(initialTokenBucketState(PARAMS, 0), PARAMS, 0, 1_000);
    const half = takeToken(limited, PARAMS, 1_000 + PARAMS.recoveryMs / 4).state;
    expect(half.rateFactor).toBeCloseTo(0.75);
    expect(half.strikes).toBe(1);
    const full = takeToken(limited, PARAMS, 1_000 + PARAMS.recoveryMs).state;
    expect(full.rateFactor).toBe(1);
    expect(full.strikes).toBe(0);
  });

  it('is JSON round-trippable (the Redis budget stores it)', () => {
    const state = applyRateLimited(initialTokenBucketState(PARAMS, 0), PARAMS, 10, 100);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});

describe('TokenBucketBudget', () => {
  function setup(params: Partial<TokenBucketParams> = {}) {
    const clock = new FakeClock(0);
    const budget = new TokenBucketBudget({ requestsPerMinute: 600, burst: 3, clock, ...params });
    return { clock, budget };
  }

  function track(promise: Promise<void>) {
    const state = { settled: false, error: undefined as unknown };
    promise.then(
      () => {
        state.settled = true;
      },
      (error: unknown) => {
        state.settled = true;
        state.error = error;
      },
    );
    return state;
  }

  it('lets the burst through at once, then one request per interval, exactly on time', async () => {
    const { clock, budget } = setup();
    for (let i = 0; i < 3; i++) await budget.acquire();
    const fourth = track(budget.acquire());
    await flushPromises();
    expect(fourth.settled).toBe(false);
    await clock.advance(INTERVAL_MS - 1);
    expect(fourth.settled).toBe(false);
    await clock.advance(1);
    expect(fourth.settled).toBe(true);
  });

  it('serves waiters first come, first served, with one timer at a time', async () => {
    const { clock, budget } = setup({ burst: 1 });
    await budget.acquire();
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => budget.acquire().then(() => void order.push(n)));
    expect(budget.waiting).toBe(3);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(INTERVAL_MS);
    expect(order).toEqual([1]);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(2 * INTERVAL_MS);
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects an aborted waiter with the signal reason and keeps serving the others', async () => {
    const { clock, budget } = setup({ burst: 1 });
    await budget.acquire();
    const controller = new AbortController();
    const aborted = track(budget.acquire(controller.signal));
    const other = track(budget.acquire());
    controller.abort(new Error('stop'));
    await flushPromises();
    expect(aborted).toMatchObject({ settled: true });
    expect((aborted.error as Error).message).toBe('stop');
    expect(budget.waiting).toBe(1);
    await clock.advance(INTERVAL_MS);
    expect(other).toMatchObject({ settled: true, error: undefined });
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { budget } = setup();
    await expect(budget.acquire(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
  });

  it('holds everyone during a reported 429 pause, then goes at half speed', async () => {
    const { clock, budget } = setup({ burst: 1 });
    await budget.acquire();
    const waiter = track(budget.acquire());
    budget.reportRateLimited(1_000);
    await clock.advance(1_000 + 2 * INTERVAL_MS - 1);
    expect(waiter.settled).toBe(false);
    await clock.advance(1);
    expect(waiter.settled).toBe(true);
  });

  it('close() rejects waiting callers', async () => {
    const { budget } = setup({ burst: 1 });
    await budget.acquire();
    const waiter = track(budget.acquire());
    await budget.close();
    await flushPromises();
    expect(waiter.settled).toBe(true);
    expect(waiter.error).toBeInstanceOf(Error);
  });

  it('validates its parameters', () => {
    expect(() => new TokenBucketBudget({ requestsPerMinute: 0 })).toThrow(RangeError);
    expect(() => new TokenBucketBudget({ requestsPerMinute: 10, burst: 0 })).toThrow(RangeError);
  });
});
