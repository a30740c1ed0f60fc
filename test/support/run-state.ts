/**
 * What the worker fault tests read back from the warehouse: a run's status, the pages each stream's
 * checkpoint has committed, and the exact comparison of every table with the simulator's dataset.
 */
import { sql } from 'kysely';
import { STREAM_NAMES, type StreamName } from '../../src/streams/types.js';
import type { Warehouse } from '../../src/warehouse/db.js';
import { diffStream, type SyncHarness, type TableDiff } from './sync-harness.js';

/** `sei_sync.runs.status` of the run, or undefined when there is no such row. */
export async function runStatus(warehouse: Warehouse, runId: string): Promise<string | undefined> {
  const result = await sql<{ status: string }>`SELECT status FROM sei_sync.runs WHERE id = ${runId}`.execute(
    warehouse.db,
  );
  return result.rows[0]?.status;
}

/** Streams whose walk is in progress with at least one page committed, with the next page to read. */
export async function checkpointedPages(warehouse: Warehouse): Promise<Map<StreamName, number>> {
  const result = await sql<{
    stream: StreamName;
    next_page: number;
  }>`SELECT stream, next_page FROM sei_sync.checkpoints WHERE next_page > 0 ORDER BY stream`.execute(
    warehouse.db,
  );
  return new Map(result.rows.map((row) => [row.stream, row.next_page]));
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
