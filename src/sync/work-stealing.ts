/**
 * The tail of a walk: a walker that has finished its slice, when no slice of the walk is left waiting
 * for its own walker, splits the running slice with the most left to read and walks the far part
 * itself. The longest slice then no longer bounds the walk: the last walkers share it.
 *
 * The split point is placed where the records are, by one count (the victim's own requests already
 * told how much it has left, `remaining_records`): the victim keeps about half, and at least the pages
 * it may already have in flight. The split itself is one transaction (walk-slices.ts `splitSlice`); the
 * victim learns its new bound when its next page commits, and drops what it read past it
 * (slice-bounds.ts). Works the same in one process and in the worker: a slice job steals before it returns.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { listSourceOf, pageSizeOf } from '../extract/list-source.js';
import type { TimeRange } from '../extract/time-range.js';
import { addToStreamRun } from '../state/ledger.js';
import { readSlices, type SliceState, splitSlice, type WalkDirection } from '../state/walk-slices.js';
import type { IncrementalStream } from '../streams/types.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';
import { countWindow } from './window-count.js';

export const STEALING_DEFAULTS = {
  /** A split is made only when the thief's part would hold at least this many pages. */
  minPagesTaken: 2,
  /** Tries when the victim moved between the choice and the split (another thief, its own pages). */
  attempts: 3,
} as const;

/** A walker's name in `claimed_by`: the machine and process, and which walker of it. */
export function newWalkerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** A running slice worth splitting, and what is known of what it has left. */
interface Victim {
  slice: SliceState;
  /** Its window still to read. */
  window: TimeRange;
  remaining: number;
}

/**
 * Splits a running slice of the walk and returns the new slice, claimed by `thief`; undefined when
 * there is nothing worth taking (or a slice still waits for its own walker, which is coming).
 */
export async function stealSlice(
  ctx: EngineContext,
  run: StreamRunContext<IncrementalStream>,
  request: { walkId: string; path: string; thief: string },
): Promise<number | undefined> {
  const { stream } = run;
  const direction = stream.cursor.serverOrder;
  const pageSize = pageSizeOf(ctx, stream);
  // The victim keeps the pages it may already hold: those in its write queue and the one being fetched.
  const inFlight = (ctx.settings.writeDepth + 1) * pageSize;
  const minTaken = STEALING_DEFAULTS.minPagesTaken * pageSize;
  for (let attempt = 0; attempt < STEALING_DEFAULTS.attempts && !run.signal.aborted; attempt++) {
    const slices = await readSlices(ctx.db, request.walkId);
    if (slices.some((slice) => !slice.done && slice.claimedBy === null)) return undefined;
    const victim = largestRunning(slices, direction, inFlight + minTaken);
    if (!victim) return undefined;
    const split = await splitPoint(ctx, run, request.path, victim, Math.max(victim.remaining / 2, inFlight));
    if (!split || split.taken < minTaken) return undefined;
    const sliceNo = await splitSlice(ctx.db, {
      walkId: request.walkId,
      stream: stream.name,
      direction,
      victim: victim.slice.sliceNo,
      seen: { from: victim.slice.from, to: victim.slice.to },
      at: split.at,
      thief: request.thief,
      estimates: { kept: split.kept, taken: split.taken },
    });
    if (sliceNo === undefined) continue;
    await addToStreamRun(ctx.db, run.runId, stream.name, { slices: 1 });
    run.log.info(
      { victim: victim.slice.sliceNo, slice: sliceNo, at: split.at, kept: split.kept, taken: split.taken },
      'split a running slice: this walker takes its far part',
    );
    return sliceNo;
  }
  return undefined;
}

/** The running slice with the most left to read, when that is at least `least` records. */
function largestRunning(
  slices: readonly SliceState[],
  direction: WalkDirection,
  least: number,
): Victim | undefined {
  let best: Victim | undefined;
  for (const slice of slices) {
    if (slice.done || slice.claimedBy === null) continue;
    const window =
      direction === 'asc' ? { from: slice.resumeAt, to: slice.to } : { from: slice.from, to: slice.resumeAt };
    // One instant cannot be split.
    if (window.to - window.from < 2) continue;
    const remaining = remainingOf(slice, window);
    if (remaining === undefined || remaining < least) continue;
    if (!best || remaining > best.remaining) best = { slice, window, remaining };
  }
  return best;
}

/**
 * What a slice has left: the server's count as of its last page; else its plan's estimate less what it
 * read; else what it read so far at the pace it read it.
 */
function remainingOf(slice: SliceState, window: TimeRange): number | undefined {
  if (slice.remainingRecords !== null) return slice.remainingRecords;
  if (slice.estimatedRecords !== null) return Math.max(0, slice.estimatedRecords - slice.records);
  const walked = slice.to - slice.from - (window.to - window.from);
  if (walked <= 0 || slice.records === 0) return undefined;
  return Math.round((slice.records * (window.to - window.from)) / walked);
}

/**
 * Where to split the victim so that it keeps about `keep` records next to its resume point. The first
 * guess is the victim's own pace (records are rarely spread evenly: the stretch just read says most
 * about the one ahead), else the middle of its window; one count of the part the victim would keep
 * checks it, and a guess off by more than half is moved, taking the records as evenly spread on the
 * side they are. A server without counts keeps the guess. Whole seconds, strictly inside the window.
 */
async function splitPoint(
  ctx: EngineContext,
  run: StreamRunContext<IncrementalStream>,
  path: string,
  victim: Victim,
  keep: number,
): Promise<{ at: number; kept: number; taken: number } | undefined> {
  const direction = run.stream.cursor.serverOrder;
  const { slice, window, remaining } = victim;
  const span = window.to - window.from;
  const resumeAt = direction === 'asc' ? window.from : window.to;
  const inside = (k: number) => Math.min(span - 1, Math.max(1, Math.round(k)));
  /** The bound `k` seconds from the resume point, into the window. */
  const boundAt = (k: number) => (direction === 'asc' ? resumeAt + k : resumeAt - k);
  const walked = slice.to - slice.from - span;
  const pace = walked > 0 && slice.records > 0 ? slice.records / walked : undefined;
  let k = inside(pace === undefined ? span / 2 : keep / pace);
  const near: TimeRange =
    direction === 'asc' ? { from: resumeAt, to: boundAt(k) } : { from: boundAt(k), to: resumeAt };
  const counted = await countWindow(ctx, run, listSourceOf(ctx, run.stream, path), near);
  await addToStreamRun(ctx.db, run.runId, run.stream.name, counted.cost);
  const kept = counted.total;
  if (kept === undefined) return { at: boundAt(k), kept: keep, taken: Math.max(0, remaining - keep) };
  if (kept > keep * 1.5) k = inside((k * keep) / kept);
  else if (kept < keep / 2) {
    const far = remaining - kept;
    if (far <= 0) return undefined;
    k = inside(k + ((span - k) * (keep - kept)) / far);
  }
  // The estimate of what each part holds, after a move: evenly spread on the side moved into.
  const estimate =
    kept > keep * 1.5 || kept < keep / 2 ? Math.min(remaining, Math.max(1, Math.round(keep))) : kept;
  return { at: boundAt(k), kept: estimate, taken: Math.max(0, remaining - estimate) };
}
