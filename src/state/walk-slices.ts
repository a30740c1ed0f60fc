/**
 * The time slices of a walk (`sei_sync.walk_slices`, migration 005). Each slice keeps its own resume
 * point, advanced in the transaction that commits a page, so any worker can walk any slice and a
 * killed one loses only the pages it had in flight. Advancing is conditional on the point the walker
 * started from: two walkers that somehow took the same slice cannot move it backwards or skip a page;
 * the second one finds the point moved and stops (its page writes were idempotent upserts).
 *
 * A running slice can be split by a walker that has finished its own (src/sync/work-stealing.ts): the
 * slice's far end moves to a midpoint and a new slice takes the rest. Each page's advance checks the
 * bounds its records were cut to, so a page read past the new end is written again without its part
 * beyond (see `advanceSlice`).
 */
import { type Kysely, sql } from 'kysely';
import type { TimeRange } from '../extract/time-range.js';
import type { Executor } from '../load/upsert.js';
import type { Database } from './schema.js';

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
  /** Who walks it (migration 016); null while it waits for its first walker. */
  claimedBy: string | null;
  /** The server's count of what is left to read, as of the last committed page. */
  remainingRecords: number | null;
  /** The slice this one was split from (null for planned slices). */
  splitFrom: number | null;
  /** Pages its walker held past the last committed one when it committed (1 when claimed); null unclaimed. */
  pagesAhead: number | null;
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
  claimed_by: string | null;
  remaining_records: number | null;
  split_from: number | null;
  pages_ahead: number | null;
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
    claimedBy: row.claimed_by,
    remainingRecords: row.remaining_records === null ? null : Number(row.remaining_records),
    splitFrom: row.split_from,
    pagesAhead: row.pages_ahead,
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
 * Claims a slice for `walker` (a walker starting or resuming it) and returns its state; a done slice is
 * returned as it is. A claim only tells thieves the slice is under way: two walkers on one slice are
 * still kept apart by `advanceSlice`.
 */
export async function claimSlice(
  db: Executor,
  walkId: string,
  sliceNo: number,
  walker: string,
): Promise<SliceState | undefined> {
  const row = await db
    .updateTable('sei_sync.walk_slices')
    // A walker starting holds one page ahead: the request it sends next (its commits tell more).
    .set({ claimed_by: walker, claimed_at: sql`now()`, pages_ahead: 1 })
    .where('walk_id', '=', walkId)
    .where('slice_no', '=', sliceNo)
    .where('done_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row ? toState(row) : readSlice(db, walkId, sliceNo);
}

/** What `advanceSlice` did with a page. */
export type SliceAdvance =
  | { kind: 'moved' }
  /** Another walker moved the slice (or closed it). */
  | { kind: 'taken' }
  /** A thief split the slice since the page was cut to `expectedBounds`: these are its bounds now. */
  | { kind: 'narrowed'; bounds: TimeRange };

/**
 * Moves a slice from `expectedResumeAt` to `resumeAt` (inside the page's transaction) and counts the
 * page; `done` closes it. The page's records were cut to `expectedBounds`: when the slice no longer has
 * them (a thief split it meanwhile), nothing moves and the new bounds are returned, so the page is
 * written again without what now belongs to the thief. A split waits for this row's lock, so once the
 * advance has run the bounds hold until the page commits.
 */
export async function advanceSlice(
  db: Executor,
  slice: { walkId: string; sliceNo: number },
  move: {
    expectedResumeAt: number;
    expectedBounds: TimeRange;
    resumeAt: number;
    records: number;
    done: boolean;
    /** The server's count of what is left after this page, when it gave one. */
    remainingRecords?: number;
    /** Pages the walker holds past this one (its write queue, its request in flight). */
    pagesAhead: number;
  },
): Promise<SliceAdvance> {
  const result = await db
    .updateTable('sei_sync.walk_slices')
    .set({
      resume_at: move.resumeAt,
      pages: sql`pages + 1`,
      records: sql`records + ${move.records}`,
      done_at: move.done ? sql`now()` : null,
      updated_at: sql`now()`,
      ...(move.remainingRecords !== undefined && { remaining_records: move.remainingRecords }),
      pages_ahead: move.pagesAhead,
    })
    .where('walk_id', '=', slice.walkId)
    .where('slice_no', '=', slice.sliceNo)
    .where('resume_at', '=', move.expectedResumeAt)
    .where('range_from', '=', move.expectedBounds.from)
    .where('range_to', '=', move.expectedBounds.to)
    .where('done_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 1) return { kind: 'moved' };
  const now = await readSlice(db, slice.walkId, slice.sliceNo);
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

/** How long a thief's hold on a victim (the count before a split) keeps other thieves away. */
export const STEALING_HOLD_SECONDS = 30;

/**
 * Takes a running slice for one thief while it counts where to split it: false when another thief
 * holds it (other thieves then look elsewhere instead of counting the same window). The split, or
 * `releaseVictim`, ends the hold; a thief that died holding it is outlived after STEALING_HOLD_SECONDS.
 */
export async function holdVictim(db: Executor, walkId: string, sliceNo: number): Promise<boolean> {
  const result = await db
    .updateTable('sei_sync.walk_slices')
    .set({ stealing_since: sql`now()` })
    .where('walk_id', '=', walkId)
    .where('slice_no', '=', sliceNo)
    .where('done_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('stealing_since', 'is', null),
        eb('stealing_since', '<', sql<Date>`now() - make_interval(secs => ${STEALING_HOLD_SECONDS})`),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function releaseVictim(db: Executor, walkId: string, sliceNo: number): Promise<void> {
  await db
    .updateTable('sei_sync.walk_slices')
    .set({ stealing_since: null })
    .where('walk_id', '=', walkId)
    .where('slice_no', '=', sliceNo)
    .execute();
}

/** A running slice split by a thief: the victim keeps the part next to its resume point. */
export interface SliceSplit {
  walkId: string;
  stream: string;
  direction: WalkDirection;
  victim: number;
  /**
   * The victim's bounds when the thief chose `at`: the split is off if another thief moved them, or if
   * the victim has reached `at` meanwhile.
   */
  seen: { from: number; to: number };
  /** The split point (whole seconds), strictly between the victim's resume point and its far end. */
  at: number;
  thief: string;
  /** Estimated records of the part the victim keeps and of the part the thief takes. */
  estimates: { kept: number | null; taken: number | null };
}

/**
 * Splits a running slice in one transaction: its far bound moves to `split.at` and a new slice, claimed
 * by the thief, takes `[at, old end)` (ascending walks; descending ones give the thief the lower part).
 * Returns the new slice's number, or undefined when the victim moved meanwhile (done, split by another
 * thief, or past the split point).
 */
export async function splitSlice(db: Executor, split: SliceSplit): Promise<number | undefined> {
  return inTransaction(db, async (trx) => {
    // Thieves of one walk take numbers one at a time (the lock ends with the transaction).
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`walk_slices:${split.walkId}`}))`.execute(trx);
    const victim = await trx
      .selectFrom('sei_sync.walk_slices')
      .selectAll()
      .where('walk_id', '=', split.walkId)
      .where('slice_no', '=', split.victim)
      .forUpdate()
      .executeTakeFirst();
    const ascending = split.direction === 'asc';
    // The victim went on walking meanwhile: still fine while it has not reached the split point.
    const resumeAt = Number(victim?.resume_at);
    if (
      !victim ||
      victim.done_at !== null ||
      Number(victim.range_from) !== split.seen.from ||
      Number(victim.range_to) !== split.seen.to ||
      (ascending ? resumeAt >= split.at : resumeAt <= split.at)
    )
      return undefined;
    const taken = ascending ? { from: split.at, to: split.seen.to } : { from: split.seen.from, to: split.at };
    const { max } = await trx
      .selectFrom('sei_sync.walk_slices')
      .select((eb) => eb.fn.max('slice_no').as('max'))
      .where('walk_id', '=', split.walkId)
      .executeTakeFirstOrThrow();
    const sliceNo = Number(max) + 1;
    await trx
      .updateTable('sei_sync.walk_slices')
      .set({
        ...(ascending ? { range_to: split.at } : { range_from: split.at }),
        estimated_records:
          split.estimates.kept === null ? null : Number(victim.records) + split.estimates.kept,
        remaining_records: split.estimates.kept,
        stealing_since: null,
        updated_at: sql`now()`,
      })
      .where('walk_id', '=', split.walkId)
      .where('slice_no', '=', split.victim)
      .execute();
    await trx
      .insertInto('sei_sync.walk_slices')
      .values({
        walk_id: split.walkId,
        slice_no: sliceNo,
        stream: split.stream,
        range_from: taken.from,
        range_to: taken.to,
        resume_at: sliceStart(taken, split.direction),
        estimated_records: split.estimates.taken,
        remaining_records: split.estimates.taken,
        claimed_by: split.thief,
        claimed_at: sql<Date>`now()`,
        pages_ahead: 1,
        split_from: split.victim,
      })
      .execute();
    return sliceNo;
  });
}

/** Runs `work` in a transaction, or in the one `db` already is. */
async function inTransaction<T>(db: Executor, work: (trx: Executor) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : (db as Kysely<Database>).transaction().execute(work);
}

/**
 * Forgets who walks the open slices of a walk being continued (their walkers are gone): until a
 * walker claims one again, no thief splits it.
 */
export async function releaseClaims(db: Executor, walkId: string): Promise<void> {
  await db
    .updateTable('sei_sync.walk_slices')
    .set({ claimed_by: null, claimed_at: null, pages_ahead: null })
    .where('walk_id', '=', walkId)
    .where('done_at', 'is', null)
    .execute();
}

/** Every slice of the walk is read again from its start (the walk's pages spanned two snapshots). */
export async function restartSlices(db: Executor, walkId: string, direction: WalkDirection): Promise<void> {
  await db
    .updateTable('sei_sync.walk_slices')
    .set({
      resume_at: direction === 'asc' ? sql`range_from` : sql`range_to`,
      done_at: null,
      claimed_by: null,
      claimed_at: null,
      remaining_records: null,
      pages_ahead: null,
      updated_at: sql`now()`,
    })
    .where('walk_id', '=', walkId)
    .execute();
}

export async function forgetSlices(db: Executor, walkId: string): Promise<void> {
  await db.deleteFrom('sei_sync.walk_slices').where('walk_id', '=', walkId).execute();
  await db.deleteFrom('sei_sync.walk_snapshots').where('walk_id', '=', walkId).execute();
}

/**
 * Notes the daily snapshots (`ingested_at`, epoch seconds) a page came from, per integration. Rows go in
 * one order (integration, snapshot): pages of other slices insert the same ones in their own
 * transactions, and two that took them in different orders would deadlock.
 */
export async function recordSnapshots(
  db: Executor,
  walkId: string,
  snapshots: ReadonlyMap<string, ReadonlySet<number>>,
): Promise<void> {
  const values = [...snapshots]
    .flatMap(([integration, seen]) =>
      [...seen].map((snapshot) => ({ walk_id: walkId, integration_id: integration, snapshot })),
    )
    .sort((a, b) =>
      a.integration_id === b.integration_id
        ? a.snapshot - b.snapshot
        : a.integration_id < b.integration_id
          ? -1
          : 1,
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
