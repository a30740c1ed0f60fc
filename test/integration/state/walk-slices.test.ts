/**
 * A split landing while a walker has two pages in flight (src/state/walk-slices.ts): the first page is
 * cut to the new bound and closes the slice; the second, cut to the bounds known before the split, must
 * learn the new bounds (and be dropped as the thief's), not be taken for another walker's move.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  advanceSlice,
  claimSlice,
  createSlices,
  readSlice,
  splitSlice,
  type WalkDirection,
} from '../../../src/state/walk-slices.js';
import type { KeysetCursor } from '../../../src/streams/types.js';
import { cutToBounds } from '../../../src/sync/slice-bounds.js';
import { openTestWarehouse, type TestWarehouse } from '../../support/warehouses.js';

let test: TestWarehouse;
beforeAll(async () => {
  test = await openTestWarehouse('postgres');
}, 60_000);
afterAll(async () => {
  await test?.close();
});

/** A cursor on `updated_at` in seconds: enough for `cutToBounds`. */
const cursor = (serverOrder: WalkDirection) =>
  ({ field: 'updated_at', unit: 'seconds', serverOrder }) as unknown as KeysetCursor;

describe.each<WalkDirection>(['asc', 'desc'])('a split between two pages in flight (%s)', (direction) => {
  it('the later page learns the new bounds and is dropped, the slice ends done at the split', async () => {
    const db = test.warehouse.db;
    const walkId = randomUUID();
    const asc = direction === 'asc';
    // Positions along the walk, as seconds: the walk starts at `at(0)` and moves by `at(k)`.
    const at = (k: number) => (asc ? k : 1_000 - k);
    await createSlices(db, walkId, 'jira_issues', direction, [{ from: 0, to: 1_000, estimatedRecords: 100 }]);
    await claimSlice(db, walkId, 0, 'victim');
    const old = { from: 0, to: 1_000 };
    const slice = { walkId, sliceNo: 0 };
    const page = (from: number, to: number) => ({
      expectedResumeAt: at(from),
      expectedBounds: old,
      resumeAt: at(to),
      records: 10,
      done: false,
    });
    expect(await advanceSlice(db, slice, page(0, 300))).toEqual({ kind: 'moved' });
    // Pages 300→700 and 700→900 are fetched; a thief splits at 500 before either commits.
    const stolen = await splitSlice(db, {
      walkId,
      stream: 'jira_issues',
      direction,
      victim: 0,
      seen: old,
      at: at(500),
      thief: 'thief',
      estimates: { kept: 20, taken: 40 },
    });
    expect(stolen).toBe(1);
    const narrowed = asc ? { from: 0, to: 500 } : { from: 500, to: 1_000 };
    expect(await advanceSlice(db, slice, page(300, 700))).toEqual({ kind: 'narrowed', bounds: narrowed });
    // The first page, cut to the new bounds, closes the slice at the split.
    const first = cutToBounds(
      cursor(direction),
      [],
      { expectedResumeAt: at(300), resumeAt: at(700), done: false },
      narrowed,
    );
    expect(first).toMatchObject({ kind: 'within', move: { resumeAt: at(500), done: true } });
    if (first.kind !== 'within') return;
    expect(
      await advanceSlice(db, slice, { ...page(300, 500), expectedBounds: narrowed, done: first.move.done }),
    ).toEqual({ kind: 'moved' });
    // The second page was cut to the old bounds: it is told the new ones, and then lies past them.
    const second = await advanceSlice(db, slice, page(700, 900));
    expect(second).toEqual({ kind: 'narrowed', bounds: narrowed });
    const recut = cutToBounds(
      cursor(direction),
      [],
      { expectedResumeAt: at(700), resumeAt: at(900), done: false },
      narrowed,
    );
    expect(recut).toEqual({ kind: 'beyond' });
    expect(await readSlice(db, walkId, 0)).toMatchObject({ done: true, resumeAt: at(500), pages: 2 });
  });

  it('a page of a slice another walker moved is still refused', async () => {
    const db = test.warehouse.db;
    const walkId = randomUUID();
    const asc = direction === 'asc';
    const at = (k: number) => (asc ? k : 1_000 - k);
    await createSlices(db, walkId, 'jira_issues', direction, [{ from: 0, to: 1_000, estimatedRecords: 100 }]);
    const bounds = { from: 0, to: 1_000 };
    const move = {
      expectedResumeAt: at(0),
      expectedBounds: bounds,
      resumeAt: at(300),
      records: 10,
      done: false,
    };
    expect(await advanceSlice(db, { walkId, sliceNo: 0 }, move)).toEqual({ kind: 'moved' });
    expect(await advanceSlice(db, { walkId, sliceNo: 0 }, move)).toEqual({ kind: 'taken' });
  });
});
