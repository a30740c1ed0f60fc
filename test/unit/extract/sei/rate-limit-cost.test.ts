import { describe, expect, it } from 'vitest';
import { minutesWithRateLimits, rateLimitCostLine } from '../../../../src/extract/sei/rate-limit-cost.js';

describe('what 429s would cost a plan', () => {
  it('is the plain time without 429s', () => {
    expect(minutesWithRateLimits(600, 600, 0)).toBe(1);
  });

  it('costs a 3% share little (the retries and a slightly lowered rate), a 50% share a lot', () => {
    const few = minutesWithRateLimits(6_000, 600, 0.03);
    expect(few).toBeGreaterThan(10 * 1.03);
    expect(few).toBeLessThan(10 * 1.5);
    expect(minutesWithRateLimits(6_000, 600, 0.5)).toBeGreaterThan(10 * 4);
  });

  it('says plainly which share it assumed or saw', () => {
    expect(rateLimitCostLine(6_000, 600, { rateLimited: 0, requests: 12 })).toMatch(
      /^429s: no 429 among this plan's 12 requests; if 3% of answers were 429 \(as Harness's edge sends\), about \d+\.\d minutes \(\+\d+%\)/,
    );
    expect(rateLimitCostLine(6_000, 600, { rateLimited: 1, requests: 10 })).toMatch(
      /^429s: 10\.0% of this plan's 10 requests were answered 429; at that share, about \d+\.\d minutes/,
    );
  });
});
