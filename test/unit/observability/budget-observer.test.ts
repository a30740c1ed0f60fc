import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { TokenBucketBudget } from '../../../src/extract/sei/token-bucket.js';
import { budgetObserver } from '../../../src/observability/budget-observer.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { FakeClock } from '../extract/sei/fake-clock.js';

describe('budgetObserver', () => {
  it('logs a pacing episode once when it starts and once when it ends, and exports wait and rate', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const metrics = createMetrics({ processMetrics: false });
    const clock = new FakeClock(0);
    const budget = new TokenBucketBudget({
      requestsPerMinute: 600,
      burst: 1,
      clock,
      observer: budgetObserver({ logger, metrics, configuredRequestsPerMinute: 600 }),
    });
    await budget.acquire();
    // Twenty 429s over four seconds: one episode, whatever the number of requests behind it.
    for (let n = 0; n < 20; n++) {
      budget.reportRateLimited();
      await clock.advance(200);
    }
    await budget.acquire();
    const waiting = budget.acquire();
    await clock.advance(1_000);
    await waiting;
    expect(await metrics.registry.getSingleMetricAsString('sei_sync_budget_requests_per_minute')).toMatch(
      /sei_sync_budget_requests_per_minute \d+/,
    );
    await clock.advance(60_000);
    expect(budget.state.rateFactor).toBe(1);
    expect(lines.map((line) => line.msg)).toEqual([
      'SEI answered 429: pacing requests at 450/minute (of 600) until the 429s stop',
      expect.stringMatching(
        /^SEI requests back at the full 600\/minute after \d+ s paced \(20 429s, lowest \d+\/minute\)$/,
      ),
    ]);
    const wait = await metrics.registry.getSingleMetricAsString('sei_sync_budget_wait_seconds_total');
    expect(Number(wait.match(/_total (\d\S*)$/m)?.[1])).toBeGreaterThan(0);
    expect(await metrics.registry.getSingleMetricAsString('sei_sync_budget_requests_per_minute')).toContain(
      'sei_sync_budget_requests_per_minute 600',
    );
  });

  it('logs a Retry-After pause with its length', () => {
    const lines: { msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const budget = new TokenBucketBudget({
      requestsPerMinute: 600,
      clock: new FakeClock(0),
      observer: budgetObserver({ logger, configuredRequestsPerMinute: 600 }),
    });
    budget.reportRateLimited(5_000);
    budget.reportRateLimited(5_000);
    expect(lines.map((line) => line.msg)).toEqual([
      'SEI answered 429: pacing requests at 450/minute (of 600) until the 429s stop',
      'SEI answered 429 with Retry-After: every request of this key waits 5.0 s',
    ]);
  });
});
