/**
 * What the worker fault tests read back from the warehouse: a run's status, the walks in progress and
 * where their slices resume, and the exact comparison of every table with the simulator's dataset;
 * and a finished run to put in the ledger.
 */

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { WalkProgress } from '../../bench/lib/resume-points.js';
import type { SimulatorHandleWithExtras } from '../../src/simulator/index.js';
import { finishStreamRun, startRun, startStreamRun } from '../../src/state/ledger.js';
import type { Warehouse } from '../../src/state/open.js';
import { readSlices } from '../../src/state/walk-slices.js';
import { STREAM_NAMES, type StreamName } from '../../src/streams/types.js';
import type { RunTrigger } from '../../src/sync/types.js';
import { waitFor } from '../integration/jobs/memory-engine.js';
import { diffStream, type SyncHarness, type TableDiff } from './sync-harness.js';

// The check is shared with the fault suite (one copy, in bench/lib/resume-points.ts).
export { requestsBeforeResumePoints, type WalkProgress } from '../../bench/lib/resume-points.js';

/** `sei_sync.runs.status` of the run, or undefined when there is no such row. */
export async function runStatus(warehouse: Warehouse, runId: string): Promise<string | undefined> {
  const result = await sql<{ status: string }>`SELECT status FROM sei_sync.runs WHERE id = ${runId}`.execute(
    warehouse.db,
  );
  return result.rows[0]?.status;
}

/** A run of `trigger` whose one stream run succeeded (for ledger and freshness tests); its id. */
export async function succeededStreamRun(
  warehouse: Warehouse,
  trigger: RunTrigger,
  stream: StreamName,
): Promise<string> {
  const id = await startRun(warehouse.db, {
    trigger,
    streams: [stream],
    fullRefresh: false,
    runId: randomUUID(),
  });
  await startStreamRun(warehouse.db, id, stream);
  await finishStreamRun(warehouse.db, id, stream, { status: 'succeeded' });
  return id;
}

/** Streams whose walk is in progress with at least one page committed. */
export async function walksInProgress(warehouse: Warehouse): Promise<Map<StreamName, WalkProgress>> {
  const result = await sql<{ stream: StreamName; walk_id: string; window_end: Date }>`
    SELECT stream, walk_id, window_end FROM sei_sync.checkpoints WHERE walk_id IS NOT NULL ORDER BY stream`.execute(
    warehouse.db,
  );
  const walks = new Map<StreamName, WalkProgress>();
  for (const row of result.rows) {
    const slices = await readSlices(warehouse.db, row.walk_id);
    const pages = slices.reduce((sum, slice) => sum + slice.pages, 0);
    if (pages > 0)
      walks.set(row.stream, {
        walkId: row.walk_id,
        pages,
        slices,
        windowEnd: Math.floor(row.window_end.getTime() / 1000),
      });
  }
  return walks;
}

/** Streams of the run whose stream job has succeeded so far. */
export async function succeededStreams(warehouse: Warehouse, runId: string): Promise<StreamName[]> {
  const result = await sql<{
    stream: StreamName;
  }>`SELECT stream FROM sei_sync.stream_runs WHERE run_id = ${runId} AND status = 'succeeded' ORDER BY stream`.execute(
    warehouse.db,
  );
  return result.rows.map((row) => row.stream);
}

/**
 * Every stream's table against the simulator's dataset. Only the streams that differ are returned, so
 * `expect(await tableDifferences(...)).toEqual([])` shows what is missing, extra or changed on failure.
 */
export async function tableDifferences(
  harness: Pick<SyncHarness, 'simulator' | 'warehouse'>,
): Promise<TableDiff[]> {
  const diffs = await Promise.all(STREAM_NAMES.map((stream) => diffStream(harness, stream)));
  return diffs.filter(
    (d) =>
      d.expected !== d.actual || d.missing.length > 0 || d.unexpected.length > 0 || d.different.length > 0,
  );
}

/**
 * Where the worker stop tests pause a run: 30 Jira requests in (the plan's counts, which keep cutting
 * a stretch holding nearly all records, slicing.ts; then the first pages of its slices), before the
 * walk ends (300 records in pages of 20).
 */
export const MID_RUN = { stream: 'jira_issues', after: 30 } as const;

/**
 * After `simulator.holdRequests(MID_RUN)` and the enqueue: waits until the machine stands still at the
 * pause, requests held and the Jira pages answered before it committed (`orFail` throws to stop early,
 * e.g. when a worker process died). What the test then stops, kills or cuts, it stops at that point.
 * Returns the walks in progress.
 */
export async function untilHeldMidRun(
  simulator: SimulatorHandleWithExtras,
  warehouse: Warehouse,
  orFail?: () => void,
): Promise<Map<StreamName, WalkProgress>> {
  await waitFor(
    () => {
      orFail?.();
      return simulator.gate.held > 0;
    },
    30_000,
    'the run to reach the paused simulator',
  );
  let walks = new Map<StreamName, WalkProgress>();
  await waitFor(
    async () => {
      orFail?.();
      walks = await walksInProgress(warehouse);
      return (walks.get(MID_RUN.stream)?.pages ?? 0) >= 2;
    },
    20_000,
    'the Jira pages answered before the pause to be committed',
  );
  return walks;
}
