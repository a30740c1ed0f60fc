/**
 * A page of a slice cut to the slice's bounds as they are now. A thief may split a running slice
 * (work-stealing.ts) while its walker has pages in flight: what such a page read past the new bound
 * belongs to the thief's slice, which reads it itself, so the walker drops it. Each record then lands in
 * exactly one slice, and the slices' counts add up to the records read.
 */
import type { SeiRecord } from '../extract/sei/types.js';
import { recordSecond, type TimeRange } from '../extract/time-range.js';
import type { WalkDirection } from '../state/walk-slices.js';
import type { KeysetCursor } from '../streams/types.js';

export interface SliceMove {
  expectedResumeAt: number;
  resumeAt: number;
  done: boolean;
  remaining?: number;
}

export type CutPage =
  /** The page starts at or past the slice's end: an earlier page already closed the slice. */
  { kind: 'beyond' } | { kind: 'within'; records: SeiRecord[]; move: SliceMove; cut: boolean };

export function cutToBounds(
  cursor: KeysetCursor,
  records: readonly SeiRecord[],
  move: SliceMove,
  bounds: TimeRange,
): CutPage {
  const direction: WalkDirection = cursor.serverOrder;
  const ascending = direction === 'asc';
  const reached = (point: number) => (ascending ? point >= bounds.to : point <= bounds.from);
  if (reached(move.expectedResumeAt)) return { kind: 'beyond' };
  // A record without the cursor cannot be placed: the walk keeps it wherever it comes (keyset-walk.ts).
  const within = records.filter((record) => {
    const second = recordSecond(cursor, record);
    return second === undefined || (second >= bounds.from && second < bounds.to);
  });
  const resumeAt = ascending ? Math.min(move.resumeAt, bounds.to) : Math.max(move.resumeAt, bounds.from);
  const done = move.done || reached(resumeAt);
  const cut = within.length !== records.length || resumeAt !== move.resumeAt;
  return {
    kind: 'within',
    records: within,
    move: {
      expectedResumeAt: move.expectedResumeAt,
      resumeAt,
      done,
      // What the page read past the bound is the thief's: the slice has nothing left.
      ...(cut ? { remaining: 0 } : move.remaining !== undefined && { remaining: move.remaining }),
    },
    cut,
  };
}
