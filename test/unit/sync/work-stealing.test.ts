import { describe, expect, it } from 'vitest';
import type { SliceState } from '../../../src/state/walk-slices.js';
import { splitFloors, thiefMove } from '../../../src/sync/work-stealing.js';

const PAGE = 1000;

/** A claimed ascending slice over [0, 10000) that has read to 5000 and has `remaining` left. */
const slice = (
  sliceNo: number,
  remaining: number | null,
  pagesAhead: number | null,
  claimedBy: string | null = 'walker',
): SliceState => ({
  walkId: 'w',
  sliceNo,
  from: 0,
  to: 10_000,
  resumeAt: 5_000,
  estimatedRecords: 1_500,
  pages: remaining === null ? 0 : 3,
  records: remaining === null ? 0 : 3 * PAGE,
  done: false,
  claimedBy,
  remainingRecords: remaining,
  splitFrom: null,
  pagesAhead,
});

const floors = splitFloors(PAGE, 2);
/** The victims a thief would try, as [slice, records the victim keeps at least]. */
const victims = (slices: SliceState[]) => {
  const move = thiefMove(slices, 'asc', floors);
  return move.kind === 'split'
    ? move.victims.map((victim) => [victim.slice.sliceNo, victim.kept])
    : move.kind;
};

describe('what a thief does with the running slices', () => {
  it('leaves a victim the pages it told it holds, and takes at least one page', () => {
    expect(victims([slice(0, 2 * PAGE, 1), slice(1, 2 * PAGE - 1, 1)])).toEqual([[0, PAGE]]);
  });

  it('a victim that never told keeps the most a walker can hold: its write queue and a request', () => {
    expect(victims([slice(0, 3 * PAGE, null)])).toBe('leave');
    expect(victims([slice(0, 4 * PAGE, null)])).toEqual([[0, 3 * PAGE]]);
  });

  it('a walker whose writes lag keeps what it holds, and the one with most left goes first', () => {
    expect(victims([slice(0, 3 * PAGE, 3), slice(1, 4 * PAGE, 3), slice(2, 3 * PAGE, 1)])).toEqual([
      [1, 3 * PAGE],
      [2, PAGE],
    ]);
  });

  it('waits for a slice that has not committed a page yet, and leaves one still waiting for its walker', () => {
    // Its plan estimate (1500) is too small to split, but its first commit tells the server count.
    expect(victims([slice(0, PAGE, 1), slice(1, null, 1)])).toBe('wait');
    expect(victims([slice(0, 4 * PAGE, 1), slice(1, null, null, null)])).toBe('leave');
    expect(victims([slice(0, PAGE, 1)])).toBe('leave');
  });
});
