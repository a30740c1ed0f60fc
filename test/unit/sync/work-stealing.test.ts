import { describe, expect, it } from 'vitest';
import type { SliceState } from '../../../src/state/walk-slices.js';
import { running, splitFloors } from '../../../src/sync/work-stealing.js';

const PAGE = 1000;

/** A claimed ascending slice over [0, 10000) that has read to `resumeAt` and has `remaining` left. */
const slice = (sliceNo: number, remaining: number, pagesAhead: number | null): SliceState => ({
  walkId: 'w',
  sliceNo,
  from: 0,
  to: 10_000,
  resumeAt: 5_000,
  estimatedRecords: null,
  pages: 3,
  records: 3 * PAGE,
  done: false,
  claimedBy: 'walker',
  remainingRecords: remaining,
  splitFrom: null,
  pagesAhead,
});

describe('which running slices a thief may split', () => {
  const floors = splitFloors(PAGE, 2);

  it('leaves a victim the pages it told it holds, and takes at least one page', () => {
    const victims = running([slice(0, 2 * PAGE, 1), slice(1, 2 * PAGE - 1, 1)], 'asc', floors);
    expect(victims.map((victim) => [victim.slice.sliceNo, victim.kept])).toEqual([[0, PAGE]]);
  });

  it('before its first commit, a victim keeps the most a walker can hold: its write queue and a request', () => {
    expect(running([slice(0, 3 * PAGE, null)], 'asc', floors)).toEqual([]);
    expect(running([slice(0, 4 * PAGE, null)], 'asc', floors).map((victim) => victim.kept)).toEqual([
      3 * PAGE,
    ]);
  });

  it('a walker whose writes lag keeps what it holds, and the one with most left goes first', () => {
    const victims = running(
      [slice(0, 3 * PAGE, 3), slice(1, 4 * PAGE, 3), slice(2, 3 * PAGE, 1)],
      'asc',
      floors,
    );
    expect(victims.map((victim) => victim.slice.sliceNo)).toEqual([1, 2]);
  });
});
