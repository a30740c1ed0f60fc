/**
 * The whole path with real parts: three workers (three "machines": own Redis connections, own budgets,
 * own engines) on the real SyncEngine, PostgreSQL and the SEI simulator. A job scheduler fires, the run
 * fills every table with exactly the simulator's records, the time slices of the large Jira backfill
 * are walked by several machines, and the simulator's request log never shows more requests than the
 * shared budget allows in any window.
 */
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../jobs/connection.js';
import { registerSchedules } from '../../jobs/schedules.js';
import { createWorker, type SyncWorker } from '../../jobs/worker.js';
import { loadConfig } from '../../src/config.js';
import { RedisRequestBudget } from '../../src/extract/sei/redis-budget.js';
import { silentLogger } from '../../src/observability/logger.js';
import { Secret } from '../../src/secret.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../src/simulator/index.js';
import { openWarehouse, type Warehouse } from '../../src/state/open.js';
import { STREAMS } from '../../src/streams/registry.js';
import { STREAM_NAMES } from '../../src/streams/types.js';
import { type ConfiguredEngine, createSyncEngineFromConfig } from '../../src/sync/index.js';
import { waitFor } from '../integration/jobs/memory-engine.js';
import { createTestDatabase, type TestDatabase, testQueuePrefix, testRedisUrl } from '../support/services.js';

const prefix = testQueuePrefix();
/** Redis's time of every budget grant, both machines together. */
const grants: number[] = [];
const REQUESTS_PER_MINUTE = 1_200;
const BURST = 4;
let database: TestDatabase;
let warehouse: Warehouse;
let sim: SimulatorHandleWithExtras;
let admin: Redis;
const machines: {
  connection: Redis;
  engine: ConfiguredEngine;
  worker: SyncWorker;
  streamJobs: number;
  sliceJobs: number;
  /** Slice jobs this machine completed, per stream. */
  slicesByStream: Map<string, number>;
}[] = [];
const MACHINES = 3;
const JIRA_ISSUES = 1_200;

beforeAll(async () => {
  database = await createTestDatabase('sei_worker_e2e', { migrated: true });
  warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
  sim = await startSimulator({ records: 120, seed: 5, streamSizes: { jira_issues: JIRA_ISSUES } });
  admin = createRedisConnection(testRedisUrl());
  const config = loadConfig({
    SEI_BASE_URL: `${sim.url}/gratis/sei/api`,
    SEI_API_KEY: sim.adminKey,
    DATABASE_URL: database.url,
    SEI_PAGE_SIZE: '25',
    SEI_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE),
    LOG_LEVEL: 'silent',
  });
  for (let i = 0; i < MACHINES; i++) {
    const connection = createRedisConnection(testRedisUrl());
    const budget = new RedisRequestBudget({
      redis: connection,
      prefix,
      apiKey: config.sei.apiKey,
      requestsPerMinute: REQUESTS_PER_MINUTE,
      burst: BURST,
      onGrant: (at) => grants.push(at),
    });
    const engine = await createSyncEngineFromConfig(config, { logger: silentLogger, budget });
    const worker = createWorker({ engine: engine.engine, connection, prefix, concurrency: 3 });
    const machine = { connection, engine, worker, streamJobs: 0, sliceJobs: 0, slicesByStream: new Map() };
    worker.streamsWorker.on('completed', (job) => {
      if (job.name === 'sync-stream') machine.streamJobs += 1;
      else {
        machine.sliceJobs += 1;
        const stream = String(job.data.stream);
        machine.slicesByStream.set(stream, (machine.slicesByStream.get(stream) ?? 0) + 1);
      }
    });
    machines.push(machine);
  }
});

afterAll(async () => {
  for (const { worker, engine, connection } of machines) {
    await worker.close();
    await engine.close();
    await connection.quit();
  }
  const keys = await admin.keys(`${prefix}:*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  await sim?.close();
  await warehouse?.close();
  await database?.drop();
});

/** Largest number of instants inside any window of `windowMs`. */
function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe('three workers on the real engine and the simulator', () => {
  it('a scheduled run fills every table, within the shared request budget', async () => {
    await Promise.all(machines.map((m) => m.worker.waitUntilReady()));
    await registerSchedules({ connection: admin, prefix }, [
      { name: 'e2e', everyMs: 60_000, tz: 'UTC', fullRefresh: false, streams: [] },
    ]);
    const finishedRun = async () => {
      const result = await sql<{
        status: string;
      }>`SELECT status FROM sei_sync.runs WHERE status <> 'running'`.execute(warehouse.db);
      return result.rows.length > 0;
    };
    await waitFor(finishedRun, 45_000, 'the scheduled run');
    await registerSchedules({ connection: admin, prefix }, []);
    const runs = await sql<{
      status: string;
      trigger: string;
    }>`SELECT status, trigger FROM sei_sync.runs`.execute(warehouse.db);
    expect(runs.rows).toEqual([expect.objectContaining({ status: 'succeeded', trigger: 'schedule' })]);

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

    // Every machine took part; each stream job completed once; the Jira backfill's slices were walked
    // by more than one machine (one large stream shared by the workers).
    expect(
      machines.map((m) => m.streamJobs + m.sliceJobs > 0),
      'jobs per machine',
    ).toEqual(Array(MACHINES).fill(true));
    expect(machines.reduce((sum, m) => sum + m.streamJobs, 0)).toBe(STREAM_NAMES.length);
    const jiraSlicesPerMachine = machines.map((m) => m.slicesByStream.get('jira_issues') ?? 0);
    expect(
      jiraSlicesPerMachine.reduce((sum, n) => sum + n, 0),
      'Jira slices',
    ).toBeGreaterThan(MACHINES);
    expect(
      jiraSlicesPerMachine.filter((n) => n > 0).length,
      `Jira slices per machine: ${jiraSlicesPerMachine}`,
    ).toBeGreaterThanOrEqual(2);

    // Together they stayed in the budget. Every request the simulator saw was granted once; in any window
    // W the shared token bucket grants at most burst + rate × W (Redis clock, exact). Arrival times lag
    // their grants by a variable few ms (connection pool, event loop on a loaded machine), so the request
    // log gets a tolerance of one burst.
    const arrivals = sim.requestLog.map((entry) => entry.at);
    expect(arrivals.length).toBeGreaterThan(STREAM_NAMES.length);
    expect(grants.length).toBe(arrivals.length);
    const perMs = (REQUESTS_PER_MINUTE - BURST) / 60_000;
    for (const windowMs of [250, 500, 1_000]) {
      const allowed = Math.floor(BURST + perMs * windowMs);
      expect(maxInWindow(grants, windowMs), `grants in ${windowMs} ms`).toBeLessThanOrEqual(allowed);
      expect(maxInWindow(arrivals, windowMs), `arrivals in ${windowMs} ms`).toBeLessThanOrEqual(
        allowed + BURST,
      );
    }
  });
});
