import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFingerprint, RedisRequestBudget } from '../../../../src/extract/sei/redis-budget.js';
import { TOKEN_BUCKET_DEFAULTS } from '../../../../src/extract/sei/token-bucket.js';
import { Secret } from '../../../../src/secret.js';
import { testQueuePrefix, testRedisUrl } from '../../../support/services.js';

const prefix = testQueuePrefix();
const apiKey = new Secret('sei-test-key-0123456789abcdef');
const REQUESTS_PER_MINUTE = 1_200;
const BURST = 4;
let redisA: Redis;
let redisB: Redis;

/** Two "machines": separate connections, separate budget objects, one API key. */
function machines(grants: number[][]) {
  return [redisA, redisB].map(
    (redis, index) =>
      new RedisRequestBudget({
        redis,
        prefix,
        apiKey,
        requestsPerMinute: REQUESTS_PER_MINUTE,
        burst: BURST,
        onGrant: (at) => grants[index]?.push(at),
      }),
  );
}

/** Largest number of grants inside any window of `windowMs` (Redis clock). */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

beforeAll(() => {
  redisA = new Redis(testRedisUrl());
  redisB = new Redis(testRedisUrl());
});

afterAll(async () => {
  const keys = await redisA.keys(`${prefix}:*`);
  if (keys.length > 0) await redisA.del(...keys);
  await Promise.all([redisA.quit(), redisB.quit()]);
});

describe('RedisRequestBudget', () => {
  it('names the key by a fingerprint, never by the key itself', async () => {
    const [budget] = machines([[], []]);
    expect(budget?.key).toBe(`${prefix}:sei-sync:budget:${keyFingerprint(apiKey)}`);
    expect(budget?.key).not.toContain(apiKey.reveal());
    await budget?.acquire();
    const stored = await redisA.get(budget?.key ?? '');
    expect(stored).not.toContain(apiKey.reveal());
  });

  it('keeps two machines together under the limit in every sliding window', async () => {
    await redisA.del(`${prefix}:sei-sync:budget:${keyFingerprint(apiKey)}`);
    const grants: number[][] = [[], []];
    const budgets = machines(grants);
    // Three concurrent callers per machine, 48 requests in all.
    await Promise.all(
      budgets.flatMap((budget) =>
        [0, 1, 2].map(async () => {
          for (let i = 0; i < 8; i++) await budget.acquire();
        }),
      ),
    );
    const all = grants.flat();
    expect(all).toHaveLength(48);
    expect(grants[0]?.length).toBeGreaterThan(0);
    expect(grants[1]?.length).toBeGreaterThan(0);
    const perMs = (REQUESTS_PER_MINUTE - BURST) / 60_000;
    for (const windowMs of [250, 500, 1_000]) {
      expect(maxInWindow(all, windowMs)).toBeLessThanOrEqual(Math.floor(BURST + perMs * windowMs));
    }
  });

  it('slows both machines down (and pauses them for its Retry-After) after a 429 seen by one', async () => {
    const grants: number[][] = [[], []];
    const [a, b] = machines(grants);
    if (!a || !b) throw new Error('two budgets expected');
    const before = (await b.snapshot()).state.rateFactor;
    await a.reportRateLimited(300);
    const { state } = await b.snapshot();
    expect(state.rateFactor).toBeCloseTo(before * TOKEN_BUCKET_DEFAULTS.decreaseFactor);
    expect(state.tokens).toBe(0);
    await Promise.all([a.acquire(), b.acquire(), a.acquire(), b.acquire()]);
    const after = grants.flat().sort((x, y) => x - y);
    expect(after).toHaveLength(4);
    // Nobody went before the pause ended; then no burst (the bucket was emptied) and below full speed:
    // four grants at the full rate would span 3 / fullPerMs (150 ms); at 3/4 of it, 200 ms.
    expect(after[0]).toBeGreaterThanOrEqual(state.pausedUntilMs);
    const fullPerMs = (REQUESTS_PER_MINUTE - BURST) / 60_000;
    expect((after[3] ?? 0) - (after[0] ?? 0)).toBeGreaterThanOrEqual((1.25 * 3) / fullPerMs);
  });

  it('after a 429 without Retry-After paces both machines without pausing them; one of them reports it', async () => {
    await redisA.del(`${prefix}:sei-sync:budget:${keyFingerprint(apiKey)}`);
    const events: string[][] = [[], []];
    const [a, b] = [redisA, redisB].map(
      (redis, index) =>
        new RedisRequestBudget({
          redis,
          prefix,
          apiKey,
          requestsPerMinute: REQUESTS_PER_MINUTE,
          burst: BURST,
          observer: { onEvent: (event) => events[index]?.push(event.kind) },
        }),
    );
    if (!a || !b) throw new Error('two budgets expected');
    await a.reportRateLimited();
    await a.reportRateLimited();
    const { state, nowMs } = await b.snapshot();
    expect(state.pausedUntilMs).toBeLessThanOrEqual(nowMs);
    expect(state.rateFactor).toBeCloseTo(TOKEN_BUCKET_DEFAULTS.decreaseFactor);
    expect(state.pacedRateLimited).toBe(2);
    await b.acquire();
    expect(events).toEqual([['lowered'], []]);
  });

  it('rejects a wait with the signal reason when aborted', async () => {
    const [a] = machines([[], []]);
    await a?.reportRateLimited(5_000);
    const controller = new AbortController();
    const waiting = a?.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
