/**
 * A stream's checkpoint: its incremental cursor and the walk in progress (window and next page). The page's rows and its
 * checkpoint are written in the same transaction, so a crash resumes exactly at the next page.
 * (The "one process per stream" guard is an advisory lock: see stream-lock.ts.)
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
