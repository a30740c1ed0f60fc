/**
 * The tail of a walk: a walker that has finished its slice, when no slice of the walk is left waiting
 * for its own walker, splits the running slice with the most left to read and walks the far part
 * itself. The longest slice then no longer bounds the walk: the last walkers share it.
 *
 * The split point is placed where the records are, by one count (the victim's own requests already
 * told how much it has left, `remaining_records`): the victim keeps about half, and at least the pages
 * it held past its last commit (`pages_ahead`). The split itself is one transaction (walk-slices.ts
 * `splitSlice`); the victim learns its new bound when its next page commits, and drops what it read
 * past it (slice-bounds.ts). Works the same in one process and in the worker: a slice job steals
 * before it returns.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { listSourceOf, pageSizeOf } from '../extract/list-source.js';
import type { TimeRange } from '../extract/time-range.js';
import { addToStreamRun } from '../state/ledger.js';
import {
  holdVictim,
  readSlices,
  releaseVictim,
  type SliceState,
  splitSlice,
  type WalkDirection,
} from '../state/walk-slices.js';
import type { IncrementalStream } from '../streams/types.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';
import { napOnWalk } from './walk-signal.js';
import { countWindow } from './window-count.js';

export const STEALING_DEFAULTS = {
  /**
   * A split is made only when the thief's part would hold at least this many pages. One is worth it:
   * a thief with nothing else to do reads it in one count and one page while the victim reads two.
   */
  minPagesTaken: 1,
  /**
   * Tries: a victim may move between the choice and the split (another thief, its own pages), and
   * every victim may be held by other thieves counting (then this one waits `holdWaitMs` for them).
   */
  attempts: 10,
  /** A thief's nap between two looks at the slices (cut short when a slice of the walk ends in its process). */
  holdWaitMs: 100,
  /**
   * How long a thief waits, in `holdWaitMs` steps, for a running slice that has not committed a page
   * yet: its first commit gives the server's count of what it holds (a plan's estimate is often short
   * of it), and the last slices of a walk are the ones worth sharing.
   */
  patienceMs: 2_000,
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
  /** Records it keeps at least: the pages it may already hold past its last commit. */
  kept: number;
}

/** The least a split leaves its victim (by what the victim last told) and gives its thief, in records. */
export interface SplitFloors {
  kept(slice: SliceState): number;
  taken: number;
}

export function splitFloors(pageSize: number, writeDepth: number): SplitFloors {
  return {
    // Not told (claimed by a version before migration 018): the most a walker holds, its write queue and a request.
    kept: (slice) => (slice.pagesAhead ?? writeDepth + 1) * pageSize,
    taken: STEALING_DEFAULTS.minPagesTaken * pageSize,
  };
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
  const floors = splitFloors(pageSizeOf(ctx, stream), ctx.settings.writeDepth);
  const patientUntil = Date.now() + STEALING_DEFAULTS.patienceMs;
  for (let attempt = 0; attempt < STEALING_DEFAULTS.attempts && !run.signal.aborted; ) {
    const move = thiefMove(await readSlices(ctx.db, request.walkId), direction, floors);
    if (move.kind === 'leave' || (move.kind === 'wait' && Date.now() >= patientUntil)) return undefined;
    // The largest a thief can hold: another thief counting one victim sends this one to the next.
    let victim: Victim | undefined;
    if (move.kind === 'split') {
      attempt++;
      for (const candidate of move.victims)
        if (await holdVictim(ctx.db, request.walkId, candidate.slice.sliceNo)) {
          victim = candidate;
          break;
        }
    }
    if (!victim) {
      await napOnWalk(request.walkId, STEALING_DEFAULTS.holdWaitMs, run.signal);
      continue;
    }
    const sliceNo = await splitVictim(ctx, run, request, victim, floors.taken).finally(() =>
      releaseVictim(ctx.db, request.walkId, victim.slice.sliceNo),
    );
    if (sliceNo !== undefined) return sliceNo;
  }
  return undefined;
}

/**
 * Splits `victim` where one count places the split; the new slice's number, or undefined when the
 * thief's part would be too small or the victim moved past the split point meanwhile.
 */
async function splitVictim(
  ctx: EngineContext,
  run: StreamRunContext<IncrementalStream>,
  request: { walkId: string; path: string; thief: string },
  victim: Victim,
  minTaken: number,
): Promise<number | undefined> {
  const { stream } = run;
  const keep = Math.round(Math.max(victim.remaining / 2, victim.kept));
  const split = await splitPoint(ctx, run, request.path, victim, keep);
  if (!split || split.taken < minTaken) return undefined;
  const sliceNo = await splitSlice(ctx.db, {
    walkId: request.walkId,
    stream: stream.name,
    direction: stream.cursor.serverOrder,
    victim: victim.slice.sliceNo,
    seen: { from: victim.slice.from, to: victim.slice.to },
    at: split.at,
    thief: request.thief,
    estimates: { kept: split.kept, taken: split.taken },
  });
  if (sliceNo === undefined) return undefined;
  await addToStreamRun(ctx.db, run.runId, stream.name, { slices: 1 });
  run.log.info(
    { victim: victim.slice.sliceNo, slice: sliceNo, at: split.at, kept: split.kept, taken: split.taken },
    'split a running slice: this walker takes its far part',
  );
  return sliceNo;
}

/**
 * What a thief does with the walk's slices as they are now: leave them (a slice still waits for its
 * own walker, or nothing is worth taking), split one of `victims` (the most left first), or wait for a
 * running slice that has not committed a page yet (it has not told the server's count).
 */
export function thiefMove(
  slices: readonly SliceState[],
  direction: WalkDirection,
  floors: SplitFloors,
): { kind: 'leave' } | { kind: 'wait' } | { kind: 'split'; victims: Victim[] } {
  if (slices.some((slice) => !slice.done && slice.claimedBy === null)) return { kind: 'leave' };
  const victims = running(slices, direction, floors);
  if (victims.length > 0) return { kind: 'split', victims };
  const starting = slices.some(
    (slice) => slice.claimedBy !== null && !slice.done && slice.remainingRecords === null,
  );
  return starting ? { kind: 'wait' } : { kind: 'leave' };
}

/** The running slices with enough left to read for a split, the most first. */
function running(slices: readonly SliceState[], direction: WalkDirection, floors: SplitFloors): Victim[] {
  const victims: Victim[] = [];
  for (const slice of slices) {
    if (slice.done || slice.claimedBy === null) continue;
    const window =
      direction === 'asc' ? { from: slice.resumeAt, to: slice.to } : { from: slice.from, to: slice.resumeAt };
    // One instant cannot be split.
    if (window.to - window.from < 2) continue;
    const remaining = remainingOf(slice, window);
    const kept = floors.kept(slice);
    if (remaining !== undefined && remaining >= kept + floors.taken)
      victims.push({ slice, window, remaining, kept });
  }
  return victims.sort((a, b) => b.remaining - a.remaining);
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
 * about the one ahead), else the middle of its window; one count of the part the thief would take
 * checks it, so that a thief never takes a stretch the count shows nearly empty, and a guess off by
 * more than half is moved, taking the records as evenly spread on the side moved into. A server
 * without counts keeps the guess. Whole seconds, strictly inside the window.
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
  const far: TimeRange =
    direction === 'asc' ? { from: boundAt(k), to: window.to } : { from: window.from, to: boundAt(k) };
  const counted = await countWindow(ctx, run, listSourceOf(ctx, run.stream, path), far);
  await addToStreamRun(ctx.db, run.runId, run.stream.name, counted.cost);
  const want = Math.max(0, Math.round(remaining - keep));
  const taken = counted.total;
  if (taken === undefined) return { at: boundAt(k), kept: keep, taken: want };
  // The victim's count is as of its last committed page: what the thief would take is counted now.
  const kept = Math.max(0, remaining - taken);
  if (taken > want * 1.5) {
    // The records crowd the far part: the thief takes its far stretch only.
    k = inside(k + ((span - k) * (taken - want)) / taken);
    return { at: boundAt(k), kept: remaining - want, taken: want };
  }
  if (taken < want / 2 && kept > 0) {
    // The records crowd the near part: the split moves towards the victim.
    k = inside(k - (k * (want - taken)) / kept);
    return { at: boundAt(k), kept: remaining - want, taken: want };
  }
  return { at: boundAt(k), kept, taken };
}
