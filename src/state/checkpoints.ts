/**
 * A stream's checkpoint: its incremental cursor, the walk in progress (its window, whether it decides
 * deletions, which read of it this is) and the route its endpoint answered on. The slices of the walk
 * keep their own resume points (walk-slices.ts), written in the transaction of each page.
 * (The "one process per stream" guard is an advisory lock: see stream-lock.ts.)
 */
import { sql } from 'kysely';
import type { Executor } from '../load/upsert.js';

/**
 * What a walk covers: records from the backfill horizon on (epoch s; null: all history), of the
 * selected integrations (null: all). A cursor reached under one scope means nothing under another (a
 * sync that adds an integration must walk that integration's history), so it is stored with its scope.
 */
export interface WalkScope {
  from: number | null;
  integrationIds: readonly string[] | null;
}

export const UNSCOPED: WalkScope = { from: null, integrationIds: null };

export function sameScope(a: WalkScope | null, b: WalkScope): boolean {
  const scope = a ?? UNSCOPED;
  const ids = (list: readonly string[] | null) => (list === null ? null : [...list].sort().join(','));
  return scope.from === b.from && ids(scope.integrationIds) === ids(b.integrationIds);
}

const scopeJson = (scope: WalkScope): string =>
  JSON.stringify({
    from: scope.from,
    integrationIds: scope.integrationIds === null ? null : [...scope.integrationIds],
  });

/** A walk that was planned and not yet completed. */
export interface WalkInProgress {
  walkId: string;
  /** The run that planned it; another run that finds it continues it. */
  runId: string | null;
  /** Lower bound of the walk's window; null for a walk from the beginning of time. */
  windowStart: Date | null;
  /** Upper bound, fixed when the walk was planned; null for full-refresh lists. */
  windowEnd: Date | null;
  /** No lower bound: a complete, clean walk marks the rows it did not see as deleted. */
  decidesDeletions: boolean;
  /** 0 on the first read of the slices, one more per re-read (the pages spanned two snapshots). */
  pass: number;
  scope: WalkScope;
  /**
   * Why the walk cannot prove itself complete (what the server did), once a slice met it: the walk
   * then ends by reading the whole list (walk-finisher.ts). Null while the walk proves itself.
   */
  degraded?: string | null;
}

export interface Checkpoint {
  stream: string;
  /** High-water mark: everything changed before it has been walked (within `cursorScope`). */
  cursor: Date | null;
  cursorScope: WalkScope | null;
  walk: WalkInProgress | null;
  lastCompleteWalkAt: Date | null;
  /** The route the endpoint last answered on, when it has alternatives. */
  endpointPath: string | null;
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
    cursorScope: row.cursor_scope,
    walk:
      row.walk_id === null
        ? null
        : {
            walkId: row.walk_id,
            runId: row.walk_run_id,
            windowStart: row.window_start,
            windowEnd: row.window_end,
            decidesDeletions: row.walk_decides_deletions,
            pass: row.walk_pass,
            scope: row.walk_scope ?? UNSCOPED,
            degraded: row.walk_degraded,
          },
    lastCompleteWalkAt: row.last_complete_walk_at,
    endpointPath: row.endpoint_path,
  };
}

/** A walk is planned: its window and its slices (written by the caller, same transaction) are fixed. */
export async function beginWalk(db: Executor, stream: string, walk: WalkInProgress): Promise<void> {
  const values = {
    walk_id: walk.walkId,
    walk_run_id: walk.runId,
    walk_started_at: new Date(),
    // PostgreSQL's clock, as the `first_seen_at` of the rows the walk inserts (src/load/deletes.ts).
    walk_pass_started_at: sql<string>`now()`,
    window_start: walk.windowStart,
    window_end: walk.windowEnd,
    walk_decides_deletions: walk.decidesDeletions,
    walk_pass: walk.pass,
    walk_scope: scopeJson(walk.scope),
    walk_degraded: null,
    next_page: null,
  };
  await db
    .insertInto('sei_sync.checkpoints')
    .values({ stream, ...values })
    .onConflict((oc) => oc.column('stream').doUpdateSet({ ...values, updated_at: sql`now()` }))
    .execute();
}

/** Notes that the walk in progress must end by reading the whole list, and why (the first reason stays). */
export async function degradeWalk(
  db: Executor,
  stream: string,
  walkId: string,
  reason: string,
): Promise<void> {
  await db
    .updateTable('sei_sync.checkpoints')
    .set({ walk_degraded: sql`coalesce(walk_degraded, ${reason})`, updated_at: sql`now()` })
    .where('stream', '=', stream)
    .where('walk_id', '=', walkId)
    .execute();
}

/**
 * The walk's slices are read again from their start (pass `pass`), in the transaction that forgets the
 * keys it saw: the rows inserted by the earlier reads count as seen no more either.
 */
export async function setWalkPass(db: Executor, stream: string, pass: number): Promise<void> {
  await db
    .updateTable('sei_sync.checkpoints')
    .set({ walk_pass: pass, walk_pass_started_at: sql`now()`, updated_at: sql`now()` })
    .where('stream', '=', stream)
    .execute();
}

/** The columns of a checkpoint with no walk in progress. */
const NO_WALK = {
  next_page: null,
  walk_id: null,
  walk_run_id: null,
  window_start: null,
  window_end: null,
  walk_decides_deletions: false,
  walk_pass: 0,
  walk_scope: null,
  walk_degraded: null,
  walk_pass_started_at: null,
} as const;

/**
 * The walk is complete: the cursor moves to the walk's upper bound, reached for the walk's scope (a
 * null cursor leaves both), and no walk is in progress.
 */
export async function completeWalk(
  db: Executor,
  stream: string,
  cursor: { at: Date; scope: WalkScope } | null,
): Promise<void> {
  await db
    .updateTable('sei_sync.checkpoints')
    .set({
      cursor: cursor?.at ?? sql`cursor`,
      cursor_scope: cursor ? scopeJson(cursor.scope) : sql`cursor_scope`,
      ...NO_WALK,
      last_complete_walk_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('stream', '=', stream)
    .execute();
}

/** The walk is given up (it could not be made clean): the cursor stays, and the next run plans anew. */
export async function abandonWalk(db: Executor, stream: string): Promise<void> {
  await db
    .updateTable('sei_sync.checkpoints')
    .set({ ...NO_WALK, updated_at: sql`now()` })
    .where('stream', '=', stream)
    .execute();
}

/** Remembers the route an endpoint answered on, so the next run asks it first. */
export async function rememberEndpointPath(db: Executor, stream: string, path: string): Promise<void> {
  await db
    .insertInto('sei_sync.checkpoints')
    .values({ stream, endpoint_path: path })
    .onConflict((oc) => oc.column('stream').doUpdateSet({ endpoint_path: path, updated_at: sql`now()` }))
    .execute();
}
