/**
 * The time slices of a walk (`sei_sync.walk_slices`, migration 005). Each slice keeps its own resume
 * point, advanced in the transaction that commits a page, so any worker can walk any slice and a
 * killed one loses only the pages it had in flight. Advancing is conditional on the point the walker
 * started from: two walkers that somehow took the same slice cannot move it backwards or skip a page;
 * the second one finds the point moved and stops (its page writes were idempotent upserts).
 */
import { sql } from 'kysely';
import type { Executor } from '../load/upsert.js';

/** Bounds in epoch seconds, `[from, to)`. */
export interface PlannedSlice {
  from: number;
  to: number;
  /** The server's count when the slice was planned, when it gave one. */
  estimatedRecords: number | undefined;
  /** A count showed the slice holds no record: it is created done, never walked. */
  empty?: boolean;
}

export interface SliceState {
  walkId: string;
  sliceNo: number;
  from: number;
  to: number;
  /** The bound still to read from: the lower one on ascending walks, the upper one on descending walks. */
  resumeAt: number;
  estimatedRecords: number | null;
  pages: number;
  records: number;
  done: boolean;
}

/** Which end of `[from, to)` a walk starts at. */
export type WalkDirection = 'asc' | 'desc';

export const sliceStart = (slice: { from: number; to: number }, direction: WalkDirection): number =>
  direction === 'asc' ? slice.from : slice.to;

const sliceEnd = (slice: { from: number; to: number }, direction: WalkDirection): number =>
  direction === 'asc' ? slice.to : slice.from;

export async function createSlices(
  db: Executor,
  walkId: string,
  stream: string,
  direction: WalkDirection,
  slices: readonly PlannedSlice[],
  firstSliceNo = 0,
): Promise<void> {
  if (slices.length === 0) return;
  await db
    .insertInto('sei_sync.walk_slices')
    .values(
      slices.map((slice, index) => ({
        walk_id: walkId,
        slice_no: firstSliceNo + index,
        stream,
        range_from: slice.from,
        range_to: slice.to,
        resume_at: slice.empty ? sliceEnd(slice, direction) : sliceStart(slice, direction),
        estimated_records: slice.estimatedRecords ?? null,
        ...(slice.empty && { done_at: sql<Date>`now()` }),
      })),
    )
    .execute();
}

function toState(row: {
  walk_id: string;
  slice_no: number;
  range_from: number;
  range_to: number;
  resume_at: number;
  estimated_records: number | null;
  pages: number;
  records: number;
  done_at: Date | null;
}): SliceState {
  return {
    walkId: row.walk_id,
    sliceNo: row.slice_no,
    from: Number(row.range_from),
    to: Number(row.range_to),
    resumeAt: Number(row.resume_at),
    estimatedRecords: row.estimated_records === null ? null : Number(row.estimated_records),
    pages: row.pages,
    records: Number(row.records),
    done: row.done_at !== null,
  };
}

export async function readSlices(db: Executor, walkId: string): Promise<SliceState[]> {
  const rows = await db
    .selectFrom('sei_sync.walk_slices')
    .selectAll()
    .where('walk_id', '=', walkId)
    .orderBy('slice_no')
    .execute();
  return rows.map(toState);
}

export async function readSlice(
  db: Executor,
  walkId: string,
  sliceNo: number,
): Promise<SliceState | undefined> {
  const row = await db
    .selectFrom('sei_sync.walk_slices')
    .selectAll()
    .where('walk_id', '=', walkId)
    .where('slice_no', '=', sliceNo)
    .executeTakeFirst();
  return row && toState(row);
}

/**
 * Moves a slice from `expectedResumeAt` to `resumeAt` (inside the page's transaction) and counts the
 * page; `done` closes it. False when the slice was not at `expectedResumeAt` (someone else walked it).
 */
export async function advanceSlice(
  db: Executor,
  slice: { walkId: string; sliceNo: number },
  move: { expectedResumeAt: number; resumeAt: number; records: number; done: boolean },
): Promise<boolean> {
  const result = await db
    .updateTable('sei_sync.walk_slices')
    .set({
      resume_at: move.resumeAt,
      pages: sql`pages + 1`,
      records: sql`records + ${move.records}`,
      done_at: move.done ? sql`now()` : null,
      updated_at: sql`now()`,
    })
    .where('walk_id', '=', slice.walkId)
    .where('slice_no', '=', slice.sliceNo)
    .where('resume_at', '=', move.expectedResumeAt)
    .where('done_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Every slice of the walk is read again from its start (the walk's pages spanned two snapshots). */
export async function restartSlices(db: Executor, walkId: string, direction: WalkDirection): Promise<void> {
  await db
    .updateTable('sei_sync.walk_slices')
    .set({
      resume_at: direction === 'asc' ? sql`range_from` : sql`range_to`,
      done_at: null,
      updated_at: sql`now()`,
    })
    .where('walk_id', '=', walkId)
    .execute();
}

export async function forgetSlices(db: Executor, walkId: string): Promise<void> {
  await db.deleteFrom('sei_sync.walk_slices').where('walk_id', '=', walkId).execute();
  await db.deleteFrom('sei_sync.walk_snapshots').where('walk_id', '=', walkId).execute();
}

/** Notes the daily snapshots (`ingested_at`, epoch seconds) a page came from, per integration. */
export async function recordSnapshots(
  db: Executor,
  walkId: string,
  snapshots: ReadonlyMap<string, ReadonlySet<number>>,
): Promise<void> {
  const values = [...snapshots].flatMap(([integration, seen]) =>
    [...seen].map((snapshot) => ({ walk_id: walkId, integration_id: integration, snapshot })),
  );
  if (values.length === 0) return;
  await db
    .insertInto('sei_sync.walk_snapshots')
    .values(values)
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The snapshots a walk's pages came from, per integration (sorted). */
export async function readSnapshots(db: Executor, walkId: string): Promise<Map<string, number[]>> {
  const rows = await db
    .selectFrom('sei_sync.walk_snapshots')
    .select(['integration_id', 'snapshot'])
    .where('walk_id', '=', walkId)
    .orderBy('integration_id')
    .orderBy('snapshot')
    .execute();
  const out = new Map<string, number[]>();
  for (const row of rows) {
    const list = out.get(row.integration_id) ?? [];
    list.push(Number(row.snapshot));
    out.set(row.integration_id, list);
  }
  return out;
}

export async function forgetSnapshots(db: Executor, walkId: string): Promise<void> {
  await db.deleteFrom('sei_sync.walk_snapshots').where('walk_id', '=', walkId).execute();
}

/**
 * Closes every slice of a walk (or only `sliceNo`) without walking it further: the server counted
 * nothing in its window, or the walk ends by reading its window as a whole list (a degraded walk).
 */
export async function closeEmptySlices(
  db: Executor,
  walkId: string,
  direction: WalkDirection,
  sliceNo?: number,
): Promise<void> {
  let update = db
    .updateTable('sei_sync.walk_slices')
    .set({
      resume_at: direction === 'asc' ? sql`range_to` : sql`range_from`,
      done_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('walk_id', '=', walkId);
  if (sliceNo !== undefined) update = update.where('slice_no', '=', sliceNo);
  await update.execute();
}

/** The walks that have slices of `stream` (a walk in progress, or one a crashed process left behind). */
export async function walksWithSlices(db: Executor, stream: string): Promise<string[]> {
  const rows = await db
    .selectFrom('sei_sync.walk_slices')
    .select('walk_id')
    .distinct()
    .where('stream', '=', stream)
    .execute();
  return rows.map((row) => row.walk_id);
}
