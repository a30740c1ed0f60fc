/**
 * Where a renormalize pass over a stream's table stands (`sei_sync.renormalize_checkpoints`,
 * migration 007): the key of the last row re-derived. Written in the batch's own transaction, so a
 * killed pass resumes right after the last batch that committed; deleted when the pass completes.
 */
import { type Selectable, sql } from 'kysely';
import type { Executor } from '../load/upsert.js';
import type { RenormalizeCheckpointsTable } from '../state/schema.js';

export interface RenormalizeCheckpoint {
  stream: string;
  /** The renormalize run that began the pass. */
  runId: string;
  /** Key of the last row done (key columns as text, in key order); null: start at the first row. */
  afterKey: string[] | null;
  rowsDone: number;
  startedAt: Date;
}

function fromRow(row: Selectable<RenormalizeCheckpointsTable>): RenormalizeCheckpoint {
  return {
    stream: row.stream,
    runId: row.run_id,
    afterKey: row.after_key,
    rowsDone: row.rows_done,
    startedAt: row.started_at,
  };
}

export async function readRenormalizeCheckpoint(
  db: Executor,
  stream: string,
): Promise<RenormalizeCheckpoint | undefined> {
  const row = await db
    .selectFrom('sei_sync.renormalize_checkpoints')
    .selectAll()
    .where('stream', '=', stream)
    .executeTakeFirst();
  return row && fromRow(row);
}

/** Every pass under way, by stream (for `status`). */
export async function renormalizeCheckpoints(db: Executor): Promise<Map<string, RenormalizeCheckpoint>> {
  const rows = await db.selectFrom('sei_sync.renormalize_checkpoints').selectAll().execute();
  return new Map(rows.map((row) => [row.stream, fromRow(row)]));
}

/** A new pass starts at the first row (replacing an interrupted one: `--restart`). */
export async function beginRenormalize(db: Executor, stream: string, runId: string): Promise<void> {
  await db
    .insertInto('sei_sync.renormalize_checkpoints')
    .values({ stream, run_id: runId, after_key: null })
    .onConflict((oc) =>
      oc.column('stream').doUpdateSet({
        run_id: runId,
        after_key: null,
        rows_done: 0,
        started_at: sql`now()`,
        updated_at: sql`now()`,
      }),
    )
    .execute();
}

/** A batch committed (call inside the batch's transaction). */
export async function advanceRenormalize(
  db: Executor,
  stream: string,
  afterKey: readonly string[],
  rows: number,
): Promise<void> {
  await db
    .updateTable('sei_sync.renormalize_checkpoints')
    .set({
      after_key: [...afterKey],
      rows_done: sql`rows_done + ${rows}`,
      updated_at: sql`now()`,
    })
    .where('stream', '=', stream)
    .execute();
}

/** The pass reached the last row. */
export async function completeRenormalize(db: Executor, stream: string): Promise<void> {
  await db.deleteFrom('sei_sync.renormalize_checkpoints').where('stream', '=', stream).execute();
}
