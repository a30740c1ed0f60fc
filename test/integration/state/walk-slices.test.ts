/**
 * A split landing while a walker has two pages in flight (src/state/walk-slices.ts): the first page is
 * cut to the new bound and closes the slice; the second, cut to the bounds known before the split, must
 * learn the new bounds (and be dropped as the thief's), not be taken for another walker's move.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  advanceSlice,
  claimSlice,
  createSlices,
  readSlice,
  readSnapshots,
  recordSnapshots,
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
    // A walker starting holds one page ahead, its first request.
    expect((await claimSlice(db, walkId, 0, 'victim'))?.pagesAhead).toBe(1);
    const old = { from: 0, to: 1_000 };
    const slice = { walkId, sliceNo: 0 };
    const page = (from: number, to: number) => ({
      expectedResumeAt: at(from),
      expectedBounds: old,
      resumeAt: at(to),
      records: 10,
      done: false,
      pagesAhead: 2,
    });
    expect(await advanceSlice(db, slice, page(0, 300))).toEqual({ kind: 'moved' });
    // What a thief leaves the walker: the two pages it holds past this one.
    expect((await readSlice(db, walkId, 0))?.pagesAhead).toBe(2);
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
    expect(await readSlice(db, walkId, 1)).toMatchObject({ claimedBy: 'thief', pagesAhead: 1 });
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
      pagesAhead: 1,
    };
    expect(await advanceSlice(db, { walkId, sliceNo: 0 }, move)).toEqual({ kind: 'moved' });
    expect(await advanceSlice(db, { walkId, sliceNo: 0 }, move)).toEqual({ kind: 'taken' });
  });
});

describe('snapshots noted by pages of two slices at once', () => {
  it('go in one order, so that two pages noting the same ones never deadlock', async () => {
    const db = test.warehouse.db;
    const walkId = randomUUID();
    const noted = (...snapshots: number[]) => new Map([['1', new Set(snapshots)]]);
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding!: () => void;
    const holds = new Promise<void>((resolve) => {
      holding = resolve;
    });
    // One page holds snapshot 100 uncommitted; the other, noting 200 then 100, waits for it.
    const first = db.transaction().execute(async (trx) => {
      await recordSnapshots(trx, walkId, noted(100));
      holding();
      await released;
      await recordSnapshots(trx, walkId, noted(200));
    });
    await holds;
    const second = db.transaction().execute((trx) => recordSnapshots(trx, walkId, noted(200, 100)));
    const waiting = async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db);
      return rows[0]!.n > 0;
    };
    while (!(await waiting())) await sleep(20);
    // Sorted, the waiting page took nothing before 100: the first goes on to 200 and both commit.
    release();
    await expect(Promise.all([first, second])).resolves.toBeDefined();
    expect(await readSnapshots(db, walkId)).toEqual(new Map([['1', [100, 200]]]));
  });
});
