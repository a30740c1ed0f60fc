/**
 * A worker stopped in the middle of a run (what SIGTERM does: `close()`), then a fresh worker: the run
 * completes and every table holds exactly the simulator's records (no page lost, none doubled). The
 * simulator is paused mid-run (`MID_RUN`), so the stop always lands while requests are held.
 */
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../jobs/connection.js';
import { enqueueRun } from '../../jobs/enqueue.js';
import { createWorker, type SyncWorker } from '../../jobs/worker.js';
import { type Config, loadConfig } from '../../src/config.js';
import { RedisRequestBudget } from '../../src/extract/sei/redis-budget.js';
import { silentLogger } from '../../src/observability/logger.js';
import { Secret } from '../../src/secret.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../src/simulator/index.js';
import { openWarehouse, type Warehouse } from '../../src/state/open.js';
import { STREAMS } from '../../src/streams/registry.js';
import { STREAM_NAMES } from '../../src/streams/types.js';
import { type ConfiguredEngine, createSyncEngineFromConfig } from '../../src/sync/index.js';
import { waitFor } from '../integration/jobs/memory-engine.js';
import { MID_RUN, untilHeldMidRun } from '../support/run-state.js';
import { createTestDatabase, type TestDatabase, testQueuePrefix, testRedisUrl } from '../support/services.js';

const prefix = testQueuePrefix();
let database: TestDatabase;
let warehouse: Warehouse;
let sim: SimulatorHandleWithExtras;
let connection: Redis;
let config: Config;
const open: { engine: ConfiguredEngine; worker: SyncWorker }[] = [];

async function startMachine(): Promise<{ engine: ConfiguredEngine; worker: SyncWorker }> {
  const budget = new RedisRequestBudget({
    redis: connection,
    prefix,
    apiKey: config.sei.apiKey,
    requestsPerMinute: 3_000,
  });
  const engine = await createSyncEngineFromConfig(config, { logger: silentLogger, budget });
  const worker = createWorker({
    engine: engine.engine,
    connection,
    prefix,
    concurrency: 3,
    shutdownTimeoutMs: 10_000,
  });
  const machine = { engine, worker };
  open.push(machine);
  return machine;
}

beforeAll(async () => {
  database = await createTestDatabase('sei_worker_stop', { migrated: true });
  warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
  sim = await startSimulator({ records: 300, seed: 9 });
  connection = createRedisConnection(testRedisUrl());
  config = loadConfig({
    SEI_BASE_URL: `${sim.url}/gratis/sei/api`,
    SEI_API_KEY: sim.adminKey,
    DATABASE_URL: database.url,
    SEI_PAGE_SIZE: '20',
    LOG_LEVEL: 'silent',
  });
});

afterAll(async () => {
  for (const { worker, engine } of open) {
    await worker.close();
    await engine.close();
  }
  const keys = await connection.keys(`${prefix}:*`);
  if (keys.length > 0) await connection.del(...keys);
  await connection.quit();
  await sim?.close();
  await warehouse?.close();
  await database?.drop();
});

describe('stopping a worker in the middle of a run', () => {
  it('resumes on another worker and ends with exact tables', async () => {
    const first = await startMachine();
    sim.holdRequests(MID_RUN);
    const { runId } = await enqueueRun({ connection, prefix }, { fullRefresh: true });
    await untilHeldMidRun(sim, warehouse);
    const { forced } = await first.worker.close();
    await first.engine.close();
    expect(forced).toBe(false);
    sim.releaseRequests();
    const unfinished = await sql<{
      status: string;
    }>`SELECT status FROM sei_sync.runs WHERE id = ${runId}`.execute(warehouse.db);
    expect(unfinished.rows[0]?.status).toBe('running');
    const done = await sql<{
      n: number;
    }>`SELECT count(DISTINCT stream)::int AS n FROM sei_sync.stream_runs WHERE run_id = ${runId} AND status = 'succeeded'`.execute(
      warehouse.db,
    );
    // Really stopped in the middle: some streams were still to do.
    expect(done.rows[0]?.n ?? 0).toBeLessThan(STREAM_NAMES.length);

    await startMachine();
    const finished = async () => {
      const result = await sql<{
        status: string;
      }>`SELECT status FROM sei_sync.runs WHERE id = ${runId}`.execute(warehouse.db);
      return result.rows[0]?.status !== 'running';
    };
    await waitFor(finished, 45_000, 'the resumed run');
    const run = await sql<{ status: string }>`SELECT status FROM sei_sync.runs WHERE id = ${runId}`.execute(
      warehouse.db,
    );
    expect(run.rows[0]?.status).toBe('succeeded');
    for (const stream of STREAM_NAMES) {
      const table = STREAMS[stream].table;
      const count = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM ${sql.table(`${table.schema}.${table.name}`)}`.execute(warehouse.db);
      expect({ stream, rows: count.rows[0]?.n }).toEqual({
        stream,
        rows: sim.dataset.records(stream).length,
      });
    }
  });
});
