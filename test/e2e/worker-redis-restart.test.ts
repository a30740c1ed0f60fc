/**
 * A Redis restart in the middle of a run is survived. The test runs a redis-server of its own (never
 * the shared one other files use), configured as production runs it (docker-compose: append-only file,
 * fsync on every write), and SIGKILLs it while a worker on the real engine walks the simulator's pages,
 * then starts it again on the same port and directory. "Survived" means: the worker notices the loss,
 * reconnects by itself, the queued and running jobs are still there, the run finishes as succeeded and
 * every table equals the simulator's dataset, with no process restarted but Redis.
 */
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../jobs/connection.js';
import { enqueueRun } from '../../jobs/enqueue.js';
import { createWorker, type SyncWorker } from '../../jobs/worker.js';
import { loadConfig } from '../../src/config.js';
import { RedisRequestBudget } from '../../src/extract/sei/redis-budget.js';
import { createLogger } from '../../src/observability/logger.js';
import { Secret } from '../../src/secret.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../src/simulator/index.js';
import { openWarehouse, type Warehouse } from '../../src/state/open.js';
import { STREAM_NAMES } from '../../src/streams/types.js';
import { type ConfiguredEngine, createSyncEngineFromConfig } from '../../src/sync/index.js';
import { waitFor } from '../integration/jobs/memory-engine.js';
import { type PrivateRedis, redisServerAvailable, startPrivateRedis } from '../support/private-redis.js';
import {
  MID_RUN,
  runStatus,
  succeededStreams,
  tableDifferences,
  untilHeldMidRun,
} from '../support/run-state.js';
import { createTestDatabase, type TestDatabase, testQueuePrefix } from '../support/services.js';

const hasRedisServer = redisServerAvailable();
if (!hasRedisServer)
  console.warn(
    '[worker-redis-restart e2e] SKIPPED: no redis-server binary on PATH to run a private Redis ' +
      "(install Debian's redis-server package); the shared Redis is never restarted by tests",
  );

const prefix = testQueuePrefix();
let redis: PrivateRedis | undefined;
let database: TestDatabase | undefined;
let warehouse: Warehouse | undefined;
let sim: SimulatorHandleWithExtras | undefined;
let connection: Redis | undefined;
let admin: Redis | undefined;
let engine: ConfiguredEngine | undefined;
let worker: SyncWorker | undefined;
/** The worker's log lines (JSON), shown when an assertion fails. */
const logLines: string[] = [];
let reconnects = 0;

const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(chunk.toString('utf8').trimEnd());
    done();
  },
});

describe.skipIf(!hasRedisServer)('a Redis restart during a run', () => {
  beforeAll(async () => {
    redis = await startPrivateRedis();
    database = await createTestDatabase('sei_worker_redis_restart', { migrated: true });
    warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
    sim = await startSimulator({ records: 300, seed: 23 });
    const config = loadConfig({
      SEI_BASE_URL: `${sim.url}/gratis/sei/api`,
      SEI_API_KEY: sim.adminKey,
      DATABASE_URL: database.url,
      SEI_PAGE_SIZE: '20',
      LOG_LEVEL: 'silent',
    });
    // What `sei-sync worker` builds: one connection for the workers, the shared budget and the locks.
    connection = createRedisConnection(redis.url, { maxReconnectDelayMs: 500 });
    connection.on('reconnecting', () => {
      reconnects += 1;
    });
    connection.on('error', () => {
      // Expected while Redis is down; ioredis reconnects by itself.
    });
    admin = createRedisConnection(redis.url);
    admin.on('error', () => {});
    const budget = new RedisRequestBudget({
      redis: connection,
      prefix,
      apiKey: config.sei.apiKey,
      requestsPerMinute: 3_000,
    });
    const logger = createLogger({ level: 'info', destination: logSink });
    engine = await createSyncEngineFromConfig(config, { logger, budget });
    worker = createWorker({
      engine: engine.engine,
      connection,
      prefix,
      concurrency: 3,
      shutdownTimeoutMs: 10_000,
      // A job whose lock the restart lost (AOF keeps the job, not always its lock) can only be finished
      // after BullMQ's stalled check gives it back: short intervals keep that within the test's wait.
      lockDurationMs: 10_000,
      stalledIntervalMs: 3_000,
      logger,
    });
    await worker.waitUntilReady();
  });

  afterAll(async () => {
    try {
      await worker?.close();
      await engine?.close();
      connection?.disconnect();
      admin?.disconnect();
    } finally {
      // The private server goes whatever happened above (its data directory with it).
      await redis?.stop();
      await sim?.close();
      await warehouse?.close();
      await database?.drop();
    }
  });

  it('the worker reconnects, the jobs are still there, the run succeeds with exact tables', async () => {
    if (!redis || !warehouse || !sim || !connection || !admin) throw new Error('setup failed');
    const db = warehouse;
    // Redis is killed while the simulator holds the run's requests (paused mid-run), and the requests
    // are released once it is back: the run goes on over the restarted Redis.
    sim.holdRequests(MID_RUN);
    const { runId } = await enqueueRun({ connection: admin, prefix });
    await untilHeldMidRun(sim, db);

    await redis.kill();
    const client = connection;
    await waitFor(() => client.status !== 'ready', 10_000, 'the worker to see Redis gone');
    // Killed in the middle of the run: streams were still to do.
    expect((await succeededStreams(db, runId)).length).toBeLessThan(STREAM_NAMES.length);
    expect(await runStatus(db, runId)).toBe('running');

    await redis.start();
    await waitFor(() => client.status === 'ready', 10_000, 'the worker to reconnect');
    sim.releaseRequests();
    await waitFor(async () => (await runStatus(db, runId)) !== 'running', 45_000, 'the run to finish').catch(
      (error: unknown) => {
        throw new Error(
          `${(error as Error).message}\nworker log (last lines):\n${logLines.slice(-40).join('\n')}`,
        );
      },
    );
    expect(reconnects).toBeGreaterThan(0);
    expect(await runStatus(db, runId), logLines.slice(-40).join('\n')).toBe('succeeded');
    expect(await succeededStreams(db, runId)).toEqual([...STREAM_NAMES].sort());
    expect(await tableDifferences({ simulator: sim, warehouse: db })).toEqual([]);
  }, 120_000);
});
