/**
 * What a committed page moves besides its rows, in ONE statement: the daily snapshots its records came
 * from (`sei_sync.walk_snapshots`), its slice's resume point (`sei_sync.walk_slices`, conditional on
 * where the walker started from and the bounds the page was cut to) and its stream run's counts
 * (`sei_sync.stream_runs`). Three statements before, each a round trip and a query to build; these rows
 * are shared by the pages of a stream, so they are also the last thing a page touches (commit-page.ts).
 *
 * The statement's parts run in that order, each waiting for the one before (a scalar subquery on it):
 * pages that share a snapshot and the stream run's row lock them in the same order, never crosswise.
 * The counts are added only when the slice moved (a page that did not move it rolls back anyway).
 *
 * @example
 *   await bookPage(trx, { walkId, snapshots, slice: { sliceNo: 3, move }, counts: { runId, stream, add } });
 *   // WITH noted AS (INSERT INTO sei_sync.walk_snapshots ...), moved AS (UPDATE sei_sync.walk_slices ...),
 *   //   booked AS (SELECT ...), counted AS (UPDATE sei_sync.stream_runs ...) SELECT moved FROM booked
 */
import { CompiledQuery } from 'kysely';
import type { TimeRange } from '../extract/time-range.js';
import type { Executor } from '../load/upsert.js';
import { addPageCountsSql, PAGE_COUNTS, type PageCounts } from './ledger.js';
import { readSlice } from './walk-slices.js';

/** Where a page moves its slice. */
export interface SliceMove {
  expectedResumeAt: number;
  /** The slice's bounds the page's records were cut to (a thief may have narrowed them since). */
  expectedBounds: TimeRange;
  resumeAt: number;
  records: number;
  done: boolean;
  /** The server's count of what is left after this page, when it gave one. */
  remainingRecords?: number;
}

/** What `advanceSlice` (and `bookPage`) did with a page. */
export type SliceAdvance =
  | { kind: 'moved' }
  /** Another walker moved the slice (or closed it). */
  | { kind: 'taken' }
  /** A thief split the slice since the page was cut to `expectedBounds`: these are its bounds now. */
  | { kind: 'narrowed'; bounds: TimeRange };

export interface PageBooking {
  walkId: string;
  /** The daily snapshots (`ingested_at`, epoch seconds) the page came from, per integration. */
  snapshots?: ReadonlyMap<string, ReadonlySet<number>>;
  /** The slice the page belongs to (absent for whole-list walks). */
  slice?: { sliceNo: number; move: SliceMove };
  /** The stream run the page is counted to. */
  counts?: { runId: string; stream: string; add: PageCounts };
}

/** Built once: the statement has one shape whatever the page holds (absent parts are NULL and match nothing). */
const BOOK_PAGE_SQL = `
  WITH noted AS (
    INSERT INTO sei_sync.walk_snapshots (walk_id, integration_id, snapshot)
    SELECT $1::uuid, s.integration_id, s.snapshot
    FROM jsonb_to_recordset($2::jsonb) AS s(integration_id text, snapshot bigint)
    ON CONFLICT DO NOTHING
    RETURNING 1
  ), moved AS (
    UPDATE sei_sync.walk_slices SET
      resume_at = $7::bigint,
      pages = pages + 1,
      records = records + $8::bigint,
      done_at = CASE WHEN $9::boolean THEN now() END,
      updated_at = now(),
      remaining_records = coalesce($10::bigint, remaining_records)
    WHERE walk_id = $1::uuid AND slice_no = $3::integer AND resume_at = $4::bigint
      AND range_from = $5::bigint AND range_to = $6::bigint AND done_at IS NULL
      AND (SELECT count(*) FROM noted) >= 0
    RETURNING 1
  ), booked AS (
    SELECT (SELECT count(*) FROM noted) AS noted, (SELECT count(*) FROM moved) = 1 AS moved
  ), counted AS (
    UPDATE sei_sync.stream_runs SET ${addPageCountsSql(13)}
    WHERE run_id = $11::uuid AND stream = $12::text
      AND (SELECT moved OR $3::integer IS NULL FROM booked)
    RETURNING 1
  )
  SELECT moved, (SELECT count(*) FROM counted) AS counted FROM booked`;

/**
 * Books a committed page in its transaction (see the module comment). Without a slice the page is
 * counted and its snapshots noted; with one, all of it happens only when the slice moved, and
 * otherwise says why not (see `advanceSlice`).
 */
export async function bookPage(db: Executor, booking: PageBooking): Promise<SliceAdvance> {
  const snapshots = [...(booking.snapshots ?? [])].flatMap(([integration, seen]) =>
    [...seen].map((snapshot) => ({ integration_id: integration, snapshot })),
  );
  const slice = booking.slice;
  const move = slice?.move;
  const counts = booking.counts;
  const result = await db.executeQuery<{ moved: boolean }>(
    CompiledQuery.raw(BOOK_PAGE_SQL, [
      booking.walkId,
      JSON.stringify(snapshots),
      slice?.sliceNo ?? null,
      move?.expectedResumeAt ?? null,
      move?.expectedBounds.from ?? null,
      move?.expectedBounds.to ?? null,
      move?.resumeAt ?? null,
      move?.records ?? null,
      move?.done ?? null,
      move?.remainingRecords ?? null,
      counts?.runId ?? null,
      counts?.stream ?? null,
      ...PAGE_COUNTS.map((field) => counts?.add[field] ?? 0),
    ]),
  );
  if (slice === undefined || result.rows[0]?.moved === true) return { kind: 'moved' };
  return whyNotMoved(db, booking.walkId, slice.sliceNo, slice.move);
}

/**
 * Moves a slice from `expectedResumeAt` to `resumeAt` (inside the page's transaction) and counts the
 * page; `done` closes it. The page's records were cut to `expectedBounds`: when the slice no longer has
 * them (a thief split it meanwhile), nothing moves and the new bounds are returned, so the page is
 * written again without what now belongs to the thief. A split waits for this row's lock, so once the
 * advance has run the bounds hold until the page commits.
 */
export function advanceSlice(
  db: Executor,
  slice: { walkId: string; sliceNo: number },
  move: SliceMove,
): Promise<SliceAdvance> {
  return bookPage(db, { walkId: slice.walkId, slice: { sliceNo: slice.sliceNo, move } });
}

async function whyNotMoved(
  db: Executor,
  walkId: string,
  sliceNo: number,
  move: SliceMove,
): Promise<SliceAdvance> {
  const now = await readSlice(db, walkId, sliceNo);
  if (!now || (now.from === move.expectedBounds.from && now.to === move.expectedBounds.to))
    return { kind: 'taken' };
  // Split since the page was cut: the page is written again cut to the new bounds when the slice waits
  // for it, and dropped when it starts past them (an earlier page of this walker, cut, closed the slice
  // at the split: the page lies wholly in the thief's part).
  const waitsForIt = !now.done && now.resumeAt === move.expectedResumeAt;
  const startsPastThem = move.expectedResumeAt <= now.from || move.expectedResumeAt >= now.to;
  return waitsForIt || startsPastThem
    ? { kind: 'narrowed', bounds: { from: now.from, to: now.to } }
    : { kind: 'taken' };
}
