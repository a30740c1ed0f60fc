/**
 * Losing PostgreSQL in the middle of a run: the stream jobs fail, BullMQ retries them with backoff,
 * and once the database is back the run finishes with nothing lost or doubled. The database is cut
 * out from under the worker without touching the shared server: new connections to the test's own
 * database are refused (ALLOW_CONNECTIONS false) and its sessions are terminated, as a PostgreSQL
 * restart or failover does to a client.
 */
import { Writable } from 'node:stream';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedisConnection } from '../../jobs/connection.js';
import { enqueueRun } from '../../jobs/enqueue.js';
import { createWorker, type SyncWorker } from '../../jobs/worker.js';
import { loadConfig } from '../../src/config.js';
import { RedisRequestBudget } from '../../src/extract/sei/redis-budget.js';
import { createLogger } from '../../src/observability/logger.js';
import { Secret } from '../../src/secret.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../src/simulator/index.js';
import { openWarehouse, type Warehouse } from '../../src/state/open.js';
import { STREAM_NAMES, type StreamName } from '../../src/streams/types.js';
import { type ConfiguredEngine, createSyncEngineFromConfig } from '../../src/sync/index.js';
import { waitFor } from '../integration/jobs/memory-engine.js';
import {
  MID_RUN,
  runStatus,
  succeededStreams,
  tableDifferences,
  untilHeldMidRun,
} from '../support/run-state.js';
import { createTestDatabase, type TestDatabase, testQueuePrefix, testRedisUrl } from '../support/services.js';

/** Small backoff (250 ms, 500 ms, 1 s, ...): eight attempts span about a minute, far past the outage. */
const STREAM_RETRY = { attempts: 8, backoffMs: 250 };

const prefix = testQueuePrefix();
let database: TestDatabase;
let warehouse: Warehouse;
let sim: SimulatorHandleWithExtras;
let connection: Redis;
let engine: ConfiguredEngine | undefined;
let worker: SyncWorker | undefined;
let admin: pg.Client;
let cut = false;
const logLines: string[] = [];
const failures: { job: string; stream: StreamName; attemptsMade: number; message: string }[] = [];

const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(chunk.toString('utf8').trimEnd());
    done();
  },
});

/** Refuses new sessions to the test database and ends the open ones (the admin's own is on `postgres`). */
async function cutDatabase(): Promise<void> {
  cut = true;
  await admin.query(`ALTER DATABASE "${database.name}" ALLOW_CONNECTIONS false`);
  await admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database.name],
  );
}

async function restoreDatabase(): Promise<void> {
  await admin.query(`ALTER DATABASE "${database.name}" ALLOW_CONNECTIONS true`);
  cut = false;
}

/** The same query, answering undefined while the database is unreachable (the test's pool is cut too). */
async function orUndefined<T>(query: () => Promise<T>): Promise<T | undefined> {
  try {
    return await query();
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  database = await createTestDatabase('sei_worker_pg_outage', { migrated: true });
  warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
  sim = await startSimulator({ records: 300, seed: 29 });
  admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  connection = createRedisConnection(testRedisUrl());
  const config = loadConfig({
    SEI_BASE_URL: `${sim.url}/gratis/sei/api`,
    SEI_API_KEY: sim.adminKey,
    DATABASE_URL: database.url,
    SEI_PAGE_SIZE: '20',
    LOG_LEVEL: 'silent',
  });
  const budget = new RedisRequestBudget({
    redis: connection,
    prefix,
    apiKey: config.sei.apiKey,
    requestsPerMinute: 3_000,
  });
  const logger = createLogger({ level: 'info', destination: logSink });
  // The worker's own pool, as `sei-sync worker` opens it from DATABASE_URL.
  engine = await createSyncEngineFromConfig(config, { logger, budget });
  worker = createWorker({
    engine: engine.engine,
    connection,
    prefix,
    concurrency: 3,
    streamRetry: STREAM_RETRY,
    shutdownTimeoutMs: 10_000,
    logger,
  });
  worker.streamsWorker.on('failed', (job: Job | undefined, error: Error) => {
    if (job)
      failures.push({
        job: String(job.id),
        stream: job.data.stream,
        attemptsMade: job.attemptsMade,
        message: error.message,
      });
  });
  await worker.waitUntilReady();
});

afterAll(async () => {
  try {
    if (cut) await restoreDatabase();
    await worker?.close();
    await engine?.close();
    const keys = await connection.keys(`${prefix}:*`);
    if (keys.length > 0) await connection.del(...keys);
    await connection.quit();
  } finally {
    await admin?.end();
    await sim?.close();
    await warehouse?.close();
    await database?.drop();
  }
});

describe('losing PostgreSQL during a run', () => {
  it('fails the stream jobs, retries them with backoff, and ends with exact tables', async () => {
    // The database is cut while the simulator holds the run's requests (paused mid-run); the answers
    // released then meet the lost database.
    sim.holdRequests(MID_RUN);
    const { runId } = await enqueueRun({ connection, prefix });
    await untilHeldMidRun(sim, warehouse);
    const doneBeforeCut = await succeededStreams(warehouse, runId);
    expect(doneBeforeCut.length).toBeLessThan(STREAM_NAMES.length);

    await cutDatabase();
    sim.releaseRequests();
    try {
      await waitFor(() => failures.length > 0, 20_000, 'a stream job to fail on the lost database');
    } finally {
      await restoreDatabase();
    }
    const diagnostics = () =>
      `failures: ${JSON.stringify(failures.slice(0, 5))}\nworker log (last lines):\n${logLines.slice(-30).join('\n')}`;
    // The failures were the database's (sessions ended, new ones refused), retryable: BullMQ had attempts left.
    // (Under load pg may report the dropped session as its client's own connection error instead.)
    const databaseLost =
      /terminat|not currently accepting connections|connection error and is not queryable/i;
    expect(
      failures.some((f) => databaseLost.test(f.message)),
      diagnostics(),
    ).toBe(true);
    expect(
      failures.every((f) => f.attemptsMade < STREAM_RETRY.attempts),
      diagnostics(),
    ).toBe(true);

    await waitFor(
      async () => ((await orUndefined(() => runStatus(warehouse, runId))) ?? 'running') !== 'running',
      30_000,
      'the run to finish after the database came back',
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${diagnostics()}`);
    });
    expect(await runStatus(warehouse, runId), diagnostics()).toBe('succeeded');
    expect(await succeededStreams(warehouse, runId)).toEqual([...STREAM_NAMES].sort());

    // Every job that failed (a stream job, or a slice job of one) was retried by BullMQ and completed on
    // a later attempt.
    const streamsQueue = worker!.queues[1]!;
    for (const id of new Set(failures.map((f) => f.job))) {
      const job = await streamsQueue.getJob(id);
      expect({ id, state: await job?.getState() }).toEqual({ id, state: 'completed' });
      expect(job?.attemptsMade ?? 0).toBeGreaterThan(1);
    }
    expect(await tableDifferences({ simulator: sim, warehouse })).toEqual([]);
  });
});
