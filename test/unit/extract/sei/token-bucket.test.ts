import { describe, expect, it } from 'vitest';
import {
  applyRateLimited,
  initialTokenBucketState,
  TOKEN_BUCKET_DEFAULTS,
  TokenBucketBudget,
  type TokenBucketParams,
  takeToken,
} from '../../../../src/extract/sei/token-bucket.js';
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

  it('after a 429 with Retry-After pauses for it, lowers the rate and empties the bucket', () => {
    const limited = applyRateLimited(initialTokenBucketState(PARAMS, 0), PARAMS, 1_000, 5_000);
    expect(limited.state).toMatchObject({ tokens: 0, pausedUntilMs: 6_000, rateFactor: 0.75 });
    expect(limited.events).toContainEqual({ kind: 'paused', pauseMs: 5_000 });
    expect(takeToken(limited.state, PARAMS, 5_999)).toMatchObject({ granted: false, waitMs: 1 });
    // After the pause tokens accrue at the lowered rate: one every 100 / 0.75 ms.
    const afterPause = takeToken(limited.state, PARAMS, 6_000);
    expect(afterPause).toMatchObject({ granted: false, waitMs: Math.ceil(INTERVAL_MS / 0.75) });
  });

  // Before: every 429 paused everyone for 2 s, doubled per 429 up to 2 minutes (issue 19).
  it('without Retry-After pauses nobody and keeps the tokens: only the rate goes down', () => {
    const state = initialTokenBucketState(PARAMS, 0);
    const limited = applyRateLimited(state, PARAMS, 0);
    expect(limited.state).toMatchObject({ tokens: PARAMS.burst, pausedUntilMs: 0, rateFactor: 0.75 });
    expect(limited.events.map((event) => event.kind)).toEqual(['lowered']);
    expect(takeToken(limited.state, PARAMS, 0).granted).toBe(true);
  });

  it('caps a long Retry-After', () => {
    const { state } = applyRateLimited(initialTokenBucketState(PARAMS, 0), PARAMS, 0, 10 * 3_600_000);
    expect(state.pausedUntilMs).toBe(PARAMS.maxRateLimitPauseMs);
  });

  it('recovers by a step per clean interval after the pause, and says so once back at full rate', () => {
    const { state: limited } = applyRateLimited(initialTokenBucketState(PARAMS, 0), PARAMS, 0, 1_000);
    const one = takeToken(limited, PARAMS, 1_000 + PARAMS.intervalMs);
    expect(one.state.rateFactor).toBeCloseTo(0.75 + PARAMS.increaseStep);
    expect(one.events).toEqual([]);
    const full = takeToken(one.state, PARAMS, 1_000 + 3 * PARAMS.intervalMs);
    expect(full.state.rateFactor).toBe(1);
    expect(full.events).toEqual([
      { kind: 'recovered', pacedMs: 4_000, rateLimited: 1, lowestRateFactor: 0.75 },
    ]);
  });

  it('is JSON round-trippable (the Redis budget stores it)', () => {
    const { state } = applyRateLimited(initialTokenBucketState(PARAMS, 0), PARAMS, 10, 100);
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

  it('holds everyone during a Retry-After pause, then goes at the lowered rate', async () => {
    const { clock, budget } = setup({ burst: 1 });
    await budget.acquire();
    const waiter = track(budget.acquire());
    budget.reportRateLimited(1_000);
    await clock.advance(1_000 + Math.ceil(INTERVAL_MS / 0.75) - 1);
    expect(waiter.settled).toBe(false);
    await clock.advance(1);
    expect(waiter.settled).toBe(true);
  });

  it('after a 429 without Retry-After serves the next waiter at the lowered rate, and tells the observer', async () => {
    const clock = new FakeClock(0);
    const seen = { waits: [] as number[], rates: [] as number[], events: [] as string[] };
    const budget = new TokenBucketBudget({
      requestsPerMinute: 600,
      burst: 1,
      clock,
      observer: {
        onWait: (ms) => seen.waits.push(ms),
        onRate: (rate) => seen.rates.push(rate),
        onEvent: (event) => seen.events.push(event.kind),
      },
    });
    await budget.acquire();
    const waiter = track(budget.acquire());
    budget.reportRateLimited();
    await clock.advance(Math.ceil(INTERVAL_MS / 0.75));
    expect(waiter.settled).toBe(true);
    expect(seen).toEqual({ waits: [Math.ceil(INTERVAL_MS / 0.75)], rates: [450], events: ['lowered'] });
    await clock.advance(10 * TOKEN_BUCKET_DEFAULTS.intervalMs);
    expect(budget.state.rateFactor).toBe(1);
    expect(seen.rates.at(-1)).toBe(600);
    expect(seen.events).toEqual(['lowered', 'recovered']);
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
