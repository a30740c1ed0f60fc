/**
 * Ends a keyset walk once all its slices are read, and decides what the walk proved:
 *
 * - Snapshots: Jira and work-item lists are read from each integration's latest daily snapshot, a
 *   value the server caches per pod for 15 minutes. A walk whose pages came from two snapshots of one
 *   integration may have missed records that moved between them, so its slices are read again (a new
 *   pass) until one pass sees one snapshot per integration; after `MAX_WALK_PASSES` the records are
 *   taken to carry different snapshots for good, and the walk degrades (below).
 * - Degraded: a walk that cannot prove itself (those snapshots, or a slice that met a server unlike our
 *   model: degraded-walk.ts) reads its window as a whole list, moves the cursor and ends succeeded with
 *   the reason it proves less; it decides no deletions.
 * - Deletions: a walk from the beginning of time saw every record SEI lists, except those changed while
 *   it walked (they moved past its window's end). Tail walks read `[window end, now)` until one finds
 *   nothing new; then rows no part of the walk saw are marked deleted. A tail that keeps finding
 *   records skips deletions for this run, never deletes on a guess.
 * - The cursor moves to the window's end, the slices are forgotten.
 */
import { sql } from 'kysely';
import { SYNC_ERROR_CODES, SyncStreamError } from '../errors.js';
import { toEpochSeconds } from '../extract/time-range.js';
import { type DeletionScope, forgetWalkKeys, markMissingAsDeleted } from '../load/deletes.js';
import type { Executor } from '../load/upsert.js';
import {
  completeWalk,
  readCheckpoint,
  setWalkPass,
  type WalkInProgress,
  type WalkScope,
} from '../state/checkpoints.js';
import { addToStreamRun } from '../state/ledger.js';
import { qualified } from '../state/sql-text.js';
import {
  createSlices,
  forgetSlices,
  forgetSnapshots,
  readSlices,
  readSnapshots,
  restartSlices,
  type WalkDirection,
} from '../state/walk-slices.js';
import type { IncrementalStream, TableSpec } from '../streams/types.js';
import { describeDegradedRead, readWindowAsList } from './degraded-walk.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';
import { walkSlice } from './slice-walk.js';
import { newWalkerId } from './work-stealing.js';

/** Reads of a walk's slices (the first included) before a walk spanning snapshots is given up. */
export const MAX_WALK_PASSES = 3;
/** Tail walks after a deleting walk before deletions are skipped for this run. */
export const MAX_TAIL_WALKS = 3;

export type WalkEnd =
  | { kind: 'rewalk'; pass: number }
  | {
      kind: 'complete';
      deleted: number;
      /** Whether deletions were decided (a deleting walk whose tail settled). */
      deletionsDecided: boolean;
      /** The snapshots the walk's pages came from, per integration. */
      snapshots: Record<string, number[]>;
      /** Records the walk's slices read, over every run that walked them (a resumed walk's included). */
      walkRecords: number;
      /** Why the walk could not prove itself complete, and what its slower read showed. */
      degraded?: string;
    };

export async function finishWalk(
  ctx: EngineContext,
  run: StreamRunContext<IncrementalStream>,
  options: { path: string },
): Promise<WalkEnd> {
  const { stream } = run;
  const walk = (await readCheckpoint(ctx.db, stream.name))?.walk;
  if (!walk)
    throw new SyncStreamError(
      SYNC_ERROR_CODES.internal,
      `${stream.name}: no walk in progress to finish`,
      true,
    );
  const slices = await readSlices(ctx.db, walk.walkId);
  const open = slices.filter((slice) => !slice.done).map((slice) => slice.sliceNo);
  if (open.length > 0)
    throw new SyncStreamError(
      SYNC_ERROR_CODES.internal,
      `${stream.name}: slices ${open.join(', ')} of walk ${walk.walkId} are not done yet`,
      true,
    );

  // A slice met a server unlike our model (walkers.ts): the walk ends by the slower path.
  if (walk.degraded) return degradedEnd(ctx, run, walk, options.path, walk.degraded, slices);
  const before = await snapshotsOrRewalk(ctx, run, walk);
  if (before.kind === 'rewalk') return before;
  if (before.kind === 'degrade') return degradedEnd(ctx, run, walk, options.path, before.reason, slices);

  let deleted = 0;
  let deletionsDecided = false;
  let snapshots = before.snapshots;
  if (walk.decidesDeletions) {
    deletionsDecided = await walkTails(ctx, run, walk, options.path);
    // The tails read the list again: a snapshot switched since the walk shows there, and the rows
    // written from it must not sit beside the older snapshot's (nor deletions be decided on either).
    const after = await snapshotsOrRewalk(ctx, run, walk);
    if (after.kind === 'rewalk') return after;
    if (after.kind === 'degrade') return degradedEnd(ctx, run, walk, options.path, after.reason, slices);
    snapshots = after.snapshots;
  }
  const finishedAt = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    if (deletionsDecided) {
      const gone = await markMissingAsDeleted(
        trx,
        walk.walkId,
        stream.table,
        finishedAt,
        deletionScope(stream, walk.scope),
      );
      deleted = gone.keys.length;
      if (deleted > 0)
        await ctx.changeListener?.onDeleted(trx, stream.table, gone.keys, finishedAt, run.runId);
      await addToStreamRun(trx, run.runId, stream.name, { deleted });
    } else {
      await forgetWalkKeys(trx, walk.walkId);
    }
    await forgetSlices(trx, walk.walkId);
    // Everything changed before the window's end has been walked; the lookback covers late writes.
    await completeWalk(trx, stream.name, walk.windowEnd && { at: walk.windowEnd, scope: walk.scope });
  });
  return {
    kind: 'complete',
    deleted,
    deletionsDecided,
    snapshots: Object.fromEntries(snapshots),
    walkRecords: slices.reduce((sum, slice) => sum + slice.records, 0),
  };
}

/**
 * The snapshots the walk's pages came from, per integration; when one integration's came from two, the
 * walk is read again from its start (a `rewalk`), or given up after MAX_WALK_PASSES reads.
 */
async function snapshotsOrRewalk(
  ctx: EngineContext,
  run: StreamRunContext<IncrementalStream>,
  walk: WalkInProgress,
): Promise<
  | { kind: 'rewalk'; pass: number }
  | { kind: 'one'; snapshots: Map<string, number[]> }
  | { kind: 'degrade'; reason: string }
> {
  const { stream } = run;
  const snapshots = stream.snapshotField
    ? await readSnapshots(ctx.db, walk.walkId)
    : new Map<string, number[]>();
  const switched = switchedSnapshots(snapshots);
  if (switched.length > 0) {
    const seen = Object.fromEntries(switched);
    if (walk.pass + 1 < MAX_WALK_PASSES) {
      await ctx.db.transaction().execute(async (trx) => {
        await readAgainFromStart(trx, walk.walkId, stream.cursor.serverOrder);
        await setWalkPass(trx, stream.name, walk.pass + 1);
      });
      run.log.warn(
        { pass: walk.pass + 1, snapshots: seen },
        'the walk read two daily snapshots of an integration (SEI switched snapshots mid-walk); reading it again',
      );
      return { kind: 'rewalk', pass: walk.pass + 1 };
    }
    return {
      kind: 'degrade',
      reason: `${SYNC_ERROR_CODES.snapshotChanging}: ${MAX_WALK_PASSES} reads of the walk each came from two daily snapshots of an integration (ingested_at ${JSON.stringify(seen)}): its records carry different ingested_at values, so no read can be shown to come from one snapshot`,
    };
  }

  return { kind: 'one', snapshots };
}

/**
 * Ends a walk that cannot prove itself: its window read as a whole list, the cursor moved to the
 * window's end (the next run is not stuck), no deletions decided, the reason kept in the summary.
 */
async function degradedEnd(
  ctx: EngineContext,
  run: StreamRunContext & { stream: IncrementalStream },
  walk: WalkInProgress,
  path: string,
  reason: string,
  slices: readonly { records: number }[],
): Promise<WalkEnd> {
  const { stream } = run;
  run.log.warn({ reason }, 'the walk cannot prove itself complete; reading its window as a whole list');
  const read = await readWindowAsList(ctx, run, walk, path);
  const degraded = `${reason}; ${describeDegradedRead(read)}`;
  await ctx.db.transaction().execute(async (trx) => {
    await forgetWalkKeys(trx, walk.walkId);
    await forgetSlices(trx, walk.walkId);
    await completeWalk(trx, stream.name, walk.windowEnd && { at: walk.windowEnd, scope: walk.scope });
  });
  run.log.warn({ degraded }, 'stream synced, degraded');
  return {
    kind: 'complete',
    deleted: 0,
    deletionsDecided: false,
    snapshots: {},
    walkRecords: slices.reduce((sum, slice) => sum + slice.records, 0),
    degraded,
  };
}

/** The integrations whose pages came from more than one daily snapshot, with the snapshots seen. */
export function switchedSnapshots(snapshots: ReadonlyMap<string, number[]>): [string, number[]][] {
  return [...snapshots].filter(([, values]) => values.length > 1);
}

/** Every slice of the walk is read again from its start; the snapshots and keys it saw are forgotten. */
export async function readAgainFromStart(
  db: Executor,
  walkId: string,
  direction: WalkDirection,
): Promise<void> {
  await restartSlices(db, walkId, direction);
  await forgetSnapshots(db, walkId);
  await forgetWalkKeys(db, walkId);
}

/** Only rows a walk of `scope` could have seen may be marked deleted: from its horizon, of its integrations. */
export function deletionScope(stream: IncrementalStream, scope: WalkScope): DeletionScope {
  return {
    ...(scope.from !== null && {
      since: { column: stream.cursor.column, at: new Date(scope.from * 1000) },
    }),
    ...(scope.integrationIds !== null &&
      stream.integrationColumn && {
        integrations: { column: stream.integrationColumn, ids: scope.integrationIds },
      }),
  };
}

/**
 * Walks `[window end, now)` again and again until a tail finds no record: records changed while the
 * walk ran moved there, and a deleting walk must see them too. True when a tail came back empty.
 */
async function walkTails(
  ctx: EngineContext,
  run: StreamRunContext<IncrementalStream>,
  walk: WalkInProgress,
  path: string,
): Promise<boolean> {
  const { stream } = run;
  if (walk.windowEnd === null) return false;
  // Nothing stored, nothing to delete: a tail would only cost a request (a tool this tenant does not
  // use answers an empty count, and its walk is then that one request).
  if (!(await hasLiveRows(ctx, stream.table))) return true;
  let from = toEpochSeconds(walk.windowEnd);
  const slices = await readSlices(ctx.db, walk.walkId);
  let sliceNo = Math.max(...slices.map((slice) => slice.sliceNo), -1) + 1;
  for (let tail = 0; tail < MAX_TAIL_WALKS; tail++) {
    const to = toEpochSeconds(ctx.now()) + 1;
    if (to <= from) return true;
    await createSlices(
      ctx.db,
      walk.walkId,
      stream.name,
      stream.cursor.serverOrder,
      [{ from, to, estimatedRecords: undefined }],
      sliceNo,
    );
    const done = await walkSlice(ctx, run, {
      walkId: walk.walkId,
      sliceNo,
      path,
      recordKeys: true,
      walker: newWalkerId(),
    });
    if ((done?.records ?? 0) === 0) return true;
    run.log.info(
      { tail: tail + 1, from, to, records: done?.records },
      'records changed while the walk ran; reading the tail again',
    );
    from = to;
    sliceNo++;
  }
  run.log.warn(
    { tails: MAX_TAIL_WALKS },
    'records kept changing behind the walk; deletions are left for the next full walk',
  );
  return false;
}

async function hasLiveRows(ctx: EngineContext, table: TableSpec): Promise<boolean> {
  const { rows } = await sql<{ live: boolean }>`
    SELECT EXISTS (SELECT 1 FROM ${sql.raw(qualified(table.schema, table.name))} WHERE deleted_at IS NULL) AS live`.execute(
    ctx.db,
  );
  return rows[0]?.live === true;
}
