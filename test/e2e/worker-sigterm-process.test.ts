/**
 * SIGTERM in the middle of a run (the simulator paused there), on the real `sei-sync worker` process (node on the compiled CLI, its own
 * signal handling), then a fresh process: the first exits by itself with code 0 within its shutdown
 * bound, the pages its slices committed are kept, the second resumes each slice there, the run
 * succeeds and every table equals the simulator's dataset.
 *
 * (test/e2e/worker-shutdown.test.ts covers the same story in-process through `close()`; this one is the
 * operating-system path: signal delivery, the command's handler, exit code.)
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../jobs/connection.js';
import { enqueueRun } from '../../jobs/enqueue.js';
import { Secret } from '../../src/secret.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../src/simulator/index.js';
import { openWarehouse, type Warehouse } from '../../src/state/open.js';
import { STREAM_NAMES } from '../../src/streams/types.js';
import { waitFor } from '../integration/jobs/memory-engine.js';
import { type CliProcess, spawnCli } from '../support/cli-process.js';
import {
  MID_RUN,
  requestsBeforeResumePoints,
  runStatus,
  succeededStreams,
  tableDifferences,
  untilHeldMidRun,
  walksInProgress,
} from '../support/run-state.js';
import { createTestDatabase, type TestDatabase, testQueuePrefix, testRedisUrl } from '../support/services.js';

const SHUTDOWN_TIMEOUT_MS = 10_000;
/** Node starting the CLI up, on a loaded 2-core machine. */
const STARTUP_TIMEOUT_MS = 20_000;

const prefix = testQueuePrefix();
let database: TestDatabase;
let warehouse: Warehouse;
let sim: SimulatorHandleWithExtras;
let admin: Redis;
const processes: CliProcess[] = [];

function startWorkerProcess(): CliProcess {
  const worker = spawnCli(['worker'], {
    REDIS_URL: testRedisUrl(),
    BULLMQ_PREFIX: prefix,
    DATABASE_URL: database.url,
    SEI_BASE_URL: `${sim.url}/gratis/sei/api`,
    SEI_API_KEY: sim.adminKey,
    SEI_PAGE_SIZE: '20',
    SEI_REQUESTS_PER_MINUTE: '5000',
    WORKER_CONCURRENCY: '3',
    WORKER_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    OPS_HOST: '127.0.0.1',
    OPS_PORT: '0',
    LOG_LEVEL: 'info',
  });
  processes.push(worker);
  return worker;
}

/** Throws (with the process's output) when the worker died instead of doing `what`. */
function aliveFor(worker: CliProcess, what: string): () => void {
  return () => {
    if (worker.exit)
      throw new Error(`worker exited (${JSON.stringify(worker.exit)}) before ${what}:\n${worker.output()}`);
  };
}

/** waitFor, failing at once when the worker died instead. */
async function waitWhileAlive(
  worker: CliProcess,
  predicate: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const alive = aliveFor(worker, what);
  await waitFor(
    async () => {
      alive();
      return predicate();
    },
    timeoutMs,
    what,
  );
}

const hasLog = (worker: CliProcess, msg: string) => worker.logs.some((line) => line.msg === msg);

beforeAll(async () => {
  database = await createTestDatabase('sei_worker_sigterm', { migrated: true });
  warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
  sim = await startSimulator({ records: 300, seed: 17 });
  admin = createRedisConnection(testRedisUrl());
});

afterAll(async () => {
  // Children first (SIGKILL when still running), whatever the test left behind.
  await Promise.all(processes.map((worker) => worker.kill()));
  const keys = await admin.keys(`${prefix}:*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  await sim?.close();
  await warehouse?.close();
  await database?.drop();
});

describe('sei-sync worker process: SIGTERM mid-run, restart', () => {
  it('exits 0 within its bound keeping the checkpoint; a new process resumes there and tables are exact', async () => {
    const first = startWorkerProcess();
    await waitWhileAlive(first, () => hasLog(first, 'worker started'), STARTUP_TIMEOUT_MS, 'worker started');
    // The signal lands while the simulator holds the run's requests (paused mid-run), every time.
    sim.holdRequests(MID_RUN);
    const { runId } = await enqueueRun({ connection: admin, prefix });
    await untilHeldMidRun(sim, warehouse, aliveFor(first, 'the pause mid-run'));

    first.signal('SIGTERM');
    // Exits by itself: the shutdown bound plus the time to close pools and the ops server.
    await waitFor(
      () => first.exit !== undefined,
      SHUTDOWN_TIMEOUT_MS + 5_000,
      'the worker to exit on SIGTERM',
    );
    expect(first.exit, first.output()).toEqual({ code: 0, signal: null });
    const stopped = first.logs.find((line) => line.msg === 'worker stopped');
    expect(stopped?.forced, 'graceful, not forced past the bound').toBe(false);

    // Really in the middle: the run is open, streams are left, and walks stopped at a kept checkpoint.
    expect(await runStatus(warehouse, runId)).toBe('running');
    expect((await succeededStreams(warehouse, runId)).length).toBeLessThan(STREAM_NAMES.length);
    const kept = await walksInProgress(warehouse);
    expect(kept.size).toBeGreaterThan(0);
    // The requests held for the first worker are dropped (it is gone); the second's start here.
    sim.releaseRequests();
    const requestsBefore = sim.requestLog.length;

    const second = startWorkerProcess();
    await waitWhileAlive(
      second,
      async () => (await runStatus(warehouse, runId)) !== 'running',
      30_000,
      'the run to finish on the second worker',
    );
    expect(await runStatus(warehouse, runId)).toBe('succeeded');

    // Each interrupted walk resumed its slices where their committed pages left off.
    expect(requestsBeforeResumePoints(sim.requestLog.slice(requestsBefore), kept)).toEqual([]);

    expect(await tableDifferences({ simulator: sim, warehouse })).toEqual([]);

    second.signal('SIGTERM');
    await waitFor(() => second.exit !== undefined, SHUTDOWN_TIMEOUT_MS + 5_000, 'the second worker to exit');
    expect(second.exit?.code).toBe(0);
  });
});
