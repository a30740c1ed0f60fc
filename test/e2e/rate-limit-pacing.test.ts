/**
 * Issue 19: 429s without Retry-After (as Harness's edge sends a few percent of them) pace the fleet
 * instead of stopping it. Two "workers" (own Redis connection, own Redis budget, own client and
 * engine) sync two streams at once over loopback from a simulator answering 10% of requests 429.
 * Before, each 429 paused every request of the key for 2 s, doubled per 429 up to 2 minutes; now
 * the shared rate goes down and back up and nobody is paused. Judged on counts, not the clock.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestBudget } from '../../src/extract/sei/budget.js';
import { createSeiClient } from '../../src/extract/sei/client.js';
import { RedisRequestBudget } from '../../src/extract/sei/redis-budget.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { StreamName } from '../../src/streams/types.js';
import { runSync } from '../../src/sync/run-sync.js';
import { testQueuePrefix, testRedisUrl } from '../support/services.js';
import { diffStream, type SyncHarness, startSyncHarness } from '../support/sync-harness.js';

const STREAMS: StreamName[][] = [['jira_issues'], ['scm_pull_requests']];

/** What the shared budget looked like right after each 429 was reported. */
interface AfterRateLimited {
  pausedMs: number;
  rateFactor: number;
}

/** A worker's budget, read back from Redis after each 429 it reports. */
function watched(inner: RedisRequestBudget, seen: AfterRateLimited[]): RequestBudget {
  return {
    acquire: (signal) => inner.acquire(signal),
    reportRateLimited: async (retryAfterMs) => {
      await inner.reportRateLimited(retryAfterMs);
      const { state, nowMs } = await inner.snapshot();
      seen.push({ pausedMs: Math.max(0, state.pausedUntilMs - nowMs), rateFactor: state.rateFactor });
    },
  };
}

describe('429s without Retry-After across two workers', () => {
  let harness: SyncHarness;
  const redis: Redis[] = [];

  beforeAll(async () => {
    harness = await startSyncHarness({
      simulator: { records: 400, seed: 19, faults: { rateLimited: 0.1 }, requestLogLimit: 100_000 },
      env: { SEI_PAGE_SIZE: '10' },
    });
  });

  afterAll(async () => {
    await Promise.all(redis.map((connection) => connection.quit()));
    await harness?.close();
  });

  it('sync exactly, pace the shared rate and never pause the fleet', async () => {
    const prefix = testQueuePrefix();
    const seen: AfterRateLimited[] = [];
    const workers = STREAMS.map((streams) => {
      const connection = new Redis(testRedisUrl());
      redis.push(connection);
      const budget = new RedisRequestBudget({
        redis: connection,
        prefix,
        apiKey: harness.config.sei.apiKey,
        requestsPerMinute: harness.config.sei.requestsPerMinute,
      });
      const client = createSeiClient(harness.config.sei, watched(budget, seen), silentLogger);
      return { streams, client, engine: harness.newEngine({ client }) };
    });
    try {
      const runs = await Promise.all(
        workers.map(({ engine, streams }) =>
          runSync(engine, { streams, fullRefresh: false, trigger: 'cli' }),
        ),
      );
      for (const run of runs) expect(run.status).toBe('succeeded');
    } finally {
      await Promise.all(workers.map(({ client }) => client.close()));
    }
    for (const stream of STREAMS.flat()) {
      const diff = await diffStream(harness, stream);
      expect(diff).toMatchObject({ missing: [], unexpected: [], different: [] });
      expect(diff.actual).toBeGreaterThan(0);
    }
    const served429 = harness.simulator.requestLog.filter((entry) => entry.status === 429).length;
    expect(served429).toBeGreaterThanOrEqual(5);
    expect(seen).toHaveLength(served429);
    // No 429 paused the fleet (before: every one did, for 2 s and more); each lowered the shared rate
    // or found it lowered already.
    expect(seen.filter((after) => after.pausedMs > 0)).toEqual([]);
    expect(seen.every((after) => after.rateFactor < 1)).toBe(true);
  });
});
