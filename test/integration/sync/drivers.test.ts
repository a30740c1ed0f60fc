/**
 * The two drivers of the engine (src/sync/local-driver.ts in one process, src/sync/worker-steps.ts one
 * step per job) walk the same steps: the same walk of the simulator leaves the same ledger rows, walk
 * slices and checkpoints, whichever drove it.
 */
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observability/logger.js';
import { Secret } from '../../../src/secret.js';
import { openWarehouse, type Warehouse } from '../../../src/state/open.js';
import type { Database } from '../../../src/state/schema.js';
import { STREAM_NAMES } from '../../../src/streams/types.js';
import { createSyncEngine } from '../../../src/sync/engine.js';
import { runSync } from '../../../src/sync/run-sync.js';
import type { StreamRunResult, SyncEngine } from '../../../src/sync/types.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

/** A worker's stream job, without BullMQ: plan, every slice (as child jobs would), finish. */
async function workerWalk(engine: SyncEngine, runId: string, stream: (typeof STREAM_NAMES)[number]) {
  const request = { runId, stream, fullRefresh: false };
  let step = await engine.beginStream(request);
  while (step.kind === 'slices') {
    const { walkId } = step;
    const outcomes = await Promise.all(
      step.slices.map((sliceNo) => engine.walkSlice({ runId, stream, walkId, sliceNo })),
    );
    expect(outcomes.every((outcome) => outcome.status === 'done')).toBe(true);
    step = await engine.finishStream(request);
  }
  return step.result;
}

/** What a walk leaves in the state tables, without ids and instants of its own. */
async function ledgerRows(db: Kysely<Database>) {
  const streamRuns = await sql`
    SELECT stream, status, pages, records, inserted, updated, unchanged, deleted, rejected, sanitized,
           requests, retries, rate_limited, error_code, summary
    FROM sei_sync.stream_runs ORDER BY stream`.execute(db);
  const slices = await sql`SELECT count(*)::int AS n FROM sei_sync.walk_slices`.execute(db);
  const checkpoints = await sql`
    SELECT stream, cursor, window_start, window_end, next_page, walk_id IS NULL AS idle, walk_pass,
           cursor_scope, endpoint_path
    FROM sei_sync.checkpoints ORDER BY stream`.execute(db);
  return { streamRuns: streamRuns.rows, slices: slices.rows, checkpoints: checkpoints.rows };
}

describe('the in-process and the worker drivers', () => {
  let harness: SyncHarness;
  let database: TestDatabase;
  let workerWarehouse: Warehouse;
  const now = new Date();

  beforeAll(async () => {
    harness = await startSyncHarness({
      simulator: { records: 240, seed: 11 },
      engine: { now: () => now },
      // A split depends on timing (which walker finishes when): the drivers are compared without it.
      env: { SEI_SYNC_WORK_STEALING: 'false' },
    });
    database = await createTestDatabase('sei_test', { migrated: true });
    workerWarehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
  });
  afterAll(async () => {
    await workerWarehouse?.close();
    await database?.drop();
    await harness?.close();
  });

  it('leave the same ledger rows, slices and checkpoints for the same walk', async () => {
    const local = await runSync(harness.engine, {
      streams: STREAM_NAMES,
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(local.status).toBe('succeeded');

    const worker = createSyncEngine({
      warehouse: workerWarehouse,
      client: harness.client,
      config: harness.config,
      logger: silentLogger,
      now: () => now,
    });
    const runId = await worker.startRun({ trigger: 'schedule', streams: STREAM_NAMES, fullRefresh: false });
    // Registry order: a derived stream's source is done before it starts, as its job would wait for it.
    const results: StreamRunResult[] = [];
    for (const stream of STREAM_NAMES) results.push(await workerWalk(worker, runId, stream));
    expect(await worker.finishRun(runId, results)).toBe('succeeded');

    const here = await ledgerRows(harness.warehouse.db);
    const there = await ledgerRows(workerWarehouse.db);
    expect(here.streamRuns.length).toBe(STREAM_NAMES.length);
    expect(there).toEqual(here);
  });
});
