import { describe, expect, it } from 'vitest';
import type { SliceState } from '../../../../src/state/walk-slices.js';
import { slicesStep } from '../../../../src/sync/walkers/walker.js';

const slice = (sliceNo: number, from: number, to: number, done = false): SliceState => ({
  walkId: 'w',
  sliceNo,
  from,
  to,
  resumeAt: from,
  estimatedRecords: 1000,
  pages: 0,
  records: 0,
  done,
  claimedBy: null,
  remainingRecords: null,
  splitFrom: null,
  pagesAhead: null,
});

describe('slicesStep', () => {
  it('hands out the open slices newest first: the ones that hold more than their estimate start first', () => {
    // Slice 4 was split from slice 1 (a later number, an older stretch); slice 2 is done.
    const slices = [
      slice(0, 0, 10),
      slice(1, 10, 15),
      slice(2, 20, 30, true),
      slice(3, 30, 40),
      slice(4, 15, 20),
    ];
    expect(slicesStep('w', 0, null, slices)).toEqual({
      kind: 'slices',
      walkId: 'w',
      pass: 0,
      ownerRunId: null,
      slices: [3, 4, 1, 0],
    });
  });
});
