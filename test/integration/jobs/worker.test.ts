import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../../jobs/connection.js';
import { enqueueRun } from '../../../jobs/enqueue.js';
import { registerSchedules } from '../../../jobs/schedules.js';
import { queueStatus } from '../../../jobs/status.js';
import { createWorker, type SyncWorker } from '../../../jobs/worker.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { STREAM_NAMES } from '../../../src/streams/types.js';
import { testQueuePrefix, testRedisUrl } from '../../support/services.js';
import { MemoryEngine, waitFor } from './memory-engine.js';

const prefix = testQueuePrefix();
let connection: Redis;
const workers: SyncWorker[] = [];
const FAST = { streamRetry: { attempts: 3, backoffMs: 20 }, busyRetryDelayMs: 30, shutdownTimeoutMs: 5_000 };

function start(engine: MemoryEngine, concurrency = 4): SyncWorker {
  const worker = createWorker({
    engine,
    connection,
    prefix,
    concurrency,
    metrics: createMetrics({ processMetrics: false }),
    ...FAST,
  });
  workers.push(worker);
  return worker;
}

beforeAll(() => {
  connection = createRedisConnection(testRedisUrl());
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

afterAll(async () => {
  const keys = await connection.keys(`${prefix}:*`);
  if (keys.length > 0) await connection.del(...keys);
  await connection.quit();
});

/** An engine whose streams listen to the shutdown signal while they run, as the real one's requests do. */
class ListeningEngine extends MemoryEngine {
  override async syncStream(request: Parameters<MemoryEngine['syncStream']>[0]) {
    const onAbort = () => {};
    request.signal?.addEventListener('abort', onAbort);
    try {
      return await super.syncStream(request);
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
    }
  }
}

describe('sync runs on BullMQ', () => {
  it('16 streams at once listening to the shutdown signal is no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const engine = new ListeningEngine({ pageDelayMs: 50 });
      start(engine, 16);
      const { runId } = await enqueueRun({ connection, prefix }, { fullRefresh: true });
      await waitFor(() => engine.finished.has(runId), 20_000, 'run finished');
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('runs every stream of a run-now request and finishes the run as succeeded', async () => {
    const engine = new MemoryEngine();
    start(engine);
    const { runId } = await enqueueRun({ connection, prefix }, { fullRefresh: true });
    await waitFor(() => engine.finished.has(runId), 20_000, 'run finished');
    expect(engine.started).toEqual([
      { trigger: 'manual', streams: [...STREAM_NAMES], fullRefresh: true, runId },
    ]);
    expect(engine.finished.get(runId)?.status).toBe('succeeded');
    expect(engine.calls.map((c) => c.stream).sort()).toEqual([...STREAM_NAMES].sort());
    expect(
      engine.calls.every((c) => c.fullRefresh && c.runId === runId && c.signal instanceof AbortSignal),
    ).toBe(true);
  });

  it('fires a job scheduler, and the scheduled run executes all its streams', async () => {
    const engine = new MemoryEngine();
    start(engine);
    const streams = ['jira_issues', 'org_users'] as const;
    await registerSchedules({ connection, prefix }, [
      { name: 'fast', everyMs: 300, tz: 'UTC', fullRefresh: false, streams: [...streams] },
    ]);
    await waitFor(() => engine.finished.size > 0, 20_000, 'scheduled run');
    const [request] = engine.started;
    expect(request).toMatchObject({ trigger: 'schedule', streams, fullRefresh: false });
    const finished = engine.finished.get(request?.runId ?? '');
    expect(finished?.status).toBe('succeeded');
    expect(finished?.results.map((r) => r.stream)).toEqual(streams);
    const status = await queueStatus({ connection, prefix });
    expect(status.schedules.map((s) => s.id)).toEqual(['fast']);
    expect(status.schedules[0]?.next).toBeInstanceOf(Date);
    // Re-registering without it removes the scheduler.
    const registration = await registerSchedules({ connection, prefix }, []);
    expect(registration.removed).toEqual(['fast']);
    expect((await queueStatus({ connection, prefix })).schedules).toEqual([]);
  });

  it('runs the scheduled verify with heal in the worker and exports what it found', async () => {
    const engine = new MemoryEngine({ differing: ['jira_issues'] });
    const metrics = createMetrics({ processMetrics: false });
    workers.push(createWorker({ engine, connection, prefix, metrics, ...FAST }));
    await registerSchedules({ connection, prefix }, [], { cron: '* * * * * *', tz: 'UTC' });
    // A job another test left behind may finish here first (seen under load): wait for the verify's own.
    const verifyRun = () => engine.started.find((r) => r.trigger === 'verify');
    await waitFor(() => engine.finished.has(verifyRun()?.runId ?? 'no-run-id'), 20_000, 'scheduled verify');
    const request = verifyRun();
    expect(request).toMatchObject({ trigger: 'verify', streams: [...STREAM_NAMES], fullRefresh: false });
    expect(engine.verifies.filter((v) => v.runId === request?.runId).every((v) => v.heal)).toBe(true);
    const scrape = await metrics.scrape();
    expect(scrape).toContain('sei_sync_verify_buckets{stream="jira_issues",outcome="differs"} 1');
    expect(scrape).toContain('sei_sync_verify_buckets{stream="org_users",outcome="equal"} 1');
    expect(scrape).toMatch(/sei_sync_verify_last_clean_timestamp_seconds\{stream="org_users"\} \d/);
    expect(scrape).not.toContain('sei_sync_verify_last_clean_timestamp_seconds{stream="jira_issues"}');
    const registration = await registerSchedules({ connection, prefix }, []);
    expect(registration.removed).toEqual(['verify']);
  });

  it('shares runs between two workers and never runs one stream twice at once', async () => {
    const engine = new MemoryEngine({ pages: 4, pageDelayMs: 5 });
    start(engine, 3);
    start(engine, 3);
    const streams = ['jira_issues', 'workitems', 'scm_commits'] as const;
    const runs = await Promise.all(
      [1, 2, 3].map(() => enqueueRun({ connection, prefix }, { streams: [...streams] })),
    );
    await waitFor(() => runs.every((r) => engine.finished.has(r.runId)), 30_000, 'three overlapping runs');
    expect(engine.overlaps).toEqual([]);
    for (const { runId } of runs) expect(engine.finished.get(runId)?.status).toBe('succeeded');
    expect(engine.calls).toHaveLength(9);
    const workerNames = new Set(workers.map((w) => w.streamsWorker.id));
    expect(workerNames.size).toBe(2);
  });

  it('records a run as partial when one stream fails, the others succeeding; fatal failures are not retried', async () => {
    const engine = new MemoryEngine({
      failures: {
        workitems: { code: 'SEI_ERR_AUTH', retryable: false },
        scm_commits: { code: 'SEI_ERR_SERVER', retryable: true, times: 1 },
        org_units: { code: 'SEI_ERR_SERVER', retryable: true },
      },
    });
    start(engine);
    const streams = ['jira_issues', 'workitems', 'scm_commits', 'org_units'] as const;
    const { runId } = await enqueueRun({ connection, prefix }, { streams: [...streams] });
    await waitFor(() => engine.finished.has(runId), 20_000, 'partial run');
    const finished = engine.finished.get(runId)!;
    expect(finished.status).toBe('partial');
    const byStream = Object.fromEntries(finished.results.map((r) => [r.stream, r]));
    expect(byStream.jira_issues?.status).toBe('succeeded');
    expect(byStream.scm_commits?.status).toBe('succeeded');
    expect(byStream.workitems).toMatchObject({
      status: 'failed',
      error: { code: 'SEI_ERR_AUTH', retryable: false },
    });
    expect(byStream.org_units).toMatchObject({
      status: 'failed',
      error: { code: 'SEI_ERR_SERVER', retryable: true },
    });
    expect(engine.attempts(runId, 'workitems')).toBe(1);
    expect(engine.attempts(runId, 'scm_commits')).toBe(2);
    expect(engine.attempts(runId, 'org_units')).toBe(FAST.streamRetry.attempts);
  });

  it('waits for a stream leased by another process instead of failing it', async () => {
    const engine = new MemoryEngine({
      failures: { org_users: { code: 'SEI_SYNC_ERR_STREAM_BUSY', retryable: true, times: 4 } },
    });
    start(engine);
    const { runId } = await enqueueRun({ connection, prefix }, { streams: ['org_users'] });
    await waitFor(() => engine.finished.has(runId), 20_000, 'busy stream run');
    expect(engine.finished.get(runId)?.status).toBe('succeeded');
    // Four busy answers used no attempt: attempts (3) would have run out otherwise.
    expect(engine.attempts(runId, 'org_users')).toBe(5);
  });

  it('retries a stream whose engine call threw (PostgreSQL lost) and finishes the run', async () => {
    const engine = new MemoryEngine({
      failures: { org_users: { throws: 'ECONNRESET', times: 1 } },
    });
    start(engine);
    const { runId } = await enqueueRun({ connection, prefix }, { streams: ['org_users', 'org_units'] });
    await waitFor(() => engine.finished.has(runId), 20_000, 'run after a thrown error');
    expect(engine.finished.get(runId)?.status).toBe('succeeded');
    expect(engine.attempts(runId, 'org_users')).toBe(2);
  });

  it('survives losing its Redis connections in the middle of a run', async () => {
    const engine = new MemoryEngine({ pages: 20, pageDelayMs: 10 });
    const name = `${prefix}-lossy`;
    const lossy = createRedisConnection(testRedisUrl(), { connectionName: name });
    const worker = createWorker({ engine, connection: lossy, prefix, concurrency: 2, ...FAST });
    try {
      const { runId } = await enqueueRun(
        { connection, prefix },
        { streams: ['jira_issues', 'workitems', 'org_users'] },
      );
      await engine.firstPage;
      // Cut every connection of this worker (its own, the blocking one BullMQ duplicated, the flow's).
      const clients = (await connection.client('LIST')) as string;
      const ids = clients
        .split('\n')
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => /id=(\d+)/.exec(line)?.[1]);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) if (id) await connection.client('KILL', 'ID', id);
      await waitFor(() => engine.finished.has(runId), 30_000, 'run after Redis connections were cut');
      expect(engine.finished.get(runId)?.status).toBe('succeeded');
      expect(engine.overlaps).toEqual([]);
    } finally {
      await worker.close();
      lossy.disconnect();
    }
  });

  it('reports progress and keeps secrets out of the job hashes', async () => {
    const engine = new MemoryEngine();
    const worker = start(engine);
    const { runId } = await enqueueRun({ connection, prefix }, { streams: ['integrations'] });
    await waitFor(() => engine.finished.has(runId), 20_000, 'run');
    const job = await worker.queues[1]!.getJob(`stream-${runId}-integrations`);
    expect(job?.progress).toEqual({ pages: 3, records: 30 });
    const secret = 'sk-test-SECRET-KEY-1234567890';
    process.env.SEI_API_KEY = secret;
    try {
      for (const key of await connection.keys(`${prefix}:*`)) {
        if ((await connection.type(key)) !== 'hash') continue;
        const hash = await connection.hgetall(key);
        const text = JSON.stringify(hash);
        expect(text).not.toContain(secret);
        expect(text).not.toMatch(/postgres(ql)?:\/\//);
        // Job data holds only these fields, whatever the job.
        const allowed = ['fullRefresh', 'heal', 'runId', 'schedule', 'stream', 'streams', 'trigger'];
        if (hash.data)
          for (const field of Object.keys(JSON.parse(hash.data))) expect(allowed).toContain(field);
      }
    } finally {
      delete process.env.SEI_API_KEY;
    }
  });

  it('shuts down gracefully: aborts the engine signal, puts the job back and closes within the bound', async () => {
    const engine = new MemoryEngine({ pages: 200, pageDelayMs: 20 });
    const worker = start(engine, 1);
    const { runId } = await enqueueRun({ connection, prefix }, { streams: ['jira_issues'] });
    await engine.firstPage;
    const { forced } = await worker.close();
    expect(forced).toBe(false);
    expect(engine.aborted).toEqual(['jira_issues']);
    expect(engine.calls[0]?.signal?.aborted).toBe(true);
    // The job went back to the queue without using an attempt; a new worker finishes the run.
    const second = new MemoryEngine({ pages: 2 });
    start(second, 1);
    await waitFor(() => second.finished.has(runId), 20_000, 'resumed run');
    expect(second.finished.get(runId)?.status).toBe('succeeded');
  });
});
