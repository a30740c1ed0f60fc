/**
 * A stream's checkpoint: its incremental cursor, the walk in progress (window and next page), and the
 * lease that keeps two processes from syncing the same stream at once. The page's rows and its
 * checkpoint are written in the same transaction, so a crash resumes exactly at the next page.
 */
import { sql } from 'kysely';
import type { Executor } from './upsert.js';

export interface Checkpoint {
  stream: string;
  cursor: Date | null;
  windowStart: Date | null;
  windowEnd: Date | null;
  nextPage: number | null;
  walkId: string | null;
  walkRunId: string | null;
  walkStartedAt: Date | null;
  lastCompleteWalkAt: Date | null;
}

export async function readCheckpoint(db: Executor, stream: string): Promise<Checkpoint | undefined> {
  const row = await db
    .selectFrom('sei_sync.checkpoints')
    .selectAll()
    .where('stream', '=', stream)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    stream: row.stream,
    cursor: row.cursor,
    windowStart: row.window_start,
    windowEnd: row.window_end,
    nextPage: row.next_page,
    walkId: row.walk_id,
    walkRunId: row.walk_run_id,
    walkStartedAt: row.walk_started_at,
    lastCompleteWalkAt: row.last_complete_walk_at,
  };
}

/** A walk starts: its window is fixed and page `startPage` is next. */
export async function beginWalk(
  db: Executor,
  stream: string,
  walk: {
    walkId: string;
    runId: string;
    windowStart: Date | null;
    windowEnd: Date | null;
    startPage: number;
  },
): Promise<void> {
  await db
    .insertInto('sei_sync.checkpoints')
    .values({
      stream,
      walk_id: walk.walkId,
      walk_run_id: walk.runId,
      walk_started_at: new Date(),
      window_start: walk.windowStart,
      window_end: walk.windowEnd,
      next_page: walk.startPage,
    })
    .onConflict((oc) =>
      oc.column('stream').doUpdateSet({
        walk_id: walk.walkId,
        walk_run_id: walk.runId,
        walk_started_at: new Date(),
        window_start: walk.windowStart,
        window_end: walk.windowEnd,
        next_page: walk.startPage,
        updated_at: sql`now()`,
      }),
    )
    .execute();
}

/** Page `page` is committed (call inside the page's transaction). */
export async function advancePage(db: Executor, stream: string, page: number): Promise<void> {
  await db
    .updateTable('sei_sync.checkpoints')
    .set({ next_page: page + 1, updated_at: sql`now()` })
    .where('stream', '=', stream)
    .execute();
}

/** The walk is complete: the cursor moves to the walk's upper bound and no walk is in progress. */
export async function completeWalk(db: Executor, stream: string, cursor: Date | null): Promise<void> {
  await db
    .updateTable('sei_sync.checkpoints')
    .set({
      cursor: cursor ?? sql`cursor`,
      next_page: null,
      walk_id: null,
      window_start: null,
      window_end: null,
      last_complete_walk_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('stream', '=', stream)
    .execute();
}

/** Forgets cursor and walk (for `--full-refresh`). */
export async function resetCheckpoint(db: Executor, stream: string): Promise<void> {
  await db
    .updateTable('sei_sync.checkpoints')
    .set({
      cursor: null,
      next_page: null,
      walk_id: null,
      window_start: null,
      window_end: null,
      updated_at: sql`now()`,
    })
    .where('stream', '=', stream)
    .execute();
}

/**
 * Takes the stream's lease for `ttlMs` unless another owner holds a live one. Atomic: the row is
 * created if missing, then one conditional UPDATE decides. Returns whether `owner` now holds it.
 */
export async function acquireStreamLease(
  db: Executor,
  stream: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  await db
    .insertInto('sei_sync.checkpoints')
    .values({ stream })
    .onConflict((oc) => oc.column('stream').doNothing())
    .execute();
  const result = await db
    .updateTable('sei_sync.checkpoints')
    .set({ locked_by: owner, locked_until: sql`now() + ${ttlMs} * interval '1 millisecond'` })
    .where('stream', '=', stream)
    .where((eb) =>
      eb.or([
        eb('locked_until', 'is', null),
        eb('locked_until', '<', sql<Date>`now()`),
        eb('locked_by', '=', owner),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Extends a held lease; false when it was lost (expired and taken by someone else). */
export async function renewStreamLease(
  db: Executor,
  stream: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  const result = await db
    .updateTable('sei_sync.checkpoints')
    .set({ locked_until: sql`now() + ${ttlMs} * interval '1 millisecond'` })
    .where('stream', '=', stream)
    .where('locked_by', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function releaseStreamLease(db: Executor, stream: string, owner: string): Promise<void> {
  await db
    .updateTable('sei_sync.checkpoints')
    .set({ locked_by: null, locked_until: null })
    .where('stream', '=', stream)
    .where('locked_by', '=', owner)
    .execute();
}
