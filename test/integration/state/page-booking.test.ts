/**
 * A page's booking in one statement (src/state/page-booking.ts), on both warehouse kinds: the snapshots
 * are noted, the slice moves and the stream run counts the page; a page whose slice did not move adds
 * no counts and says why; a page of a whole-list walk (no slice) is counted.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStreamRun, startRun, startStreamRun } from '../../../src/state/ledger.js';
import { bookPage, type PageBooking } from '../../../src/state/page-booking.js';
import { createSlices, readSlice, readSnapshots } from '../../../src/state/walk-slices.js';
import { openTestWarehouse, type TestWarehouse, WAREHOUSE_KINDS } from '../../support/warehouses.js';

const STREAM = 'jira_issues';

const add = (records: number) => ({
  pages: 1,
  records,
  inserted: records - 2,
  updated: 1,
  unchanged: 1,
  rejected: 0,
  sanitized: 1,
  requests: 2,
  retries: 1,
  rateLimited: 0,
});

describe.each(WAREHOUSE_KINDS)('booking a page (%s)', (kind) => {
  let test: TestWarehouse;
  let runId: string;
  beforeAll(async () => {
    test = await openTestWarehouse(kind);
    runId = await startRun(test.warehouse.db, { trigger: 'cli', streams: [STREAM], fullRefresh: false });
    await startStreamRun(test.warehouse.db, runId, STREAM);
  }, 60_000);
  afterAll(async () => {
    await test?.close();
  });

  const counts = async () => (await readStreamRun(test.warehouse.db, runId, STREAM)).counts;

  it('notes the snapshots, moves the slice and counts the page; a stale move counts nothing', async () => {
    const db = test.warehouse.db;
    const walkId = randomUUID();
    await createSlices(db, walkId, STREAM, 'asc', [{ from: 0, to: 1_000, estimatedRecords: 100 }]);
    const before = await counts();
    const booking: PageBooking = {
      walkId,
      snapshots: new Map([
        ['int-1', new Set([100, 200])],
        ['int-2', new Set([100])],
      ]),
      slice: {
        sliceNo: 0,
        move: {
          expectedResumeAt: 0,
          expectedBounds: { from: 0, to: 1_000 },
          resumeAt: 300,
          records: 10,
          done: false,
          remainingRecords: 90,
        },
      },
      counts: { runId, stream: STREAM, add: add(10) },
    };
    expect(await bookPage(db, booking)).toEqual({ kind: 'moved' });
    expect(await readSlice(db, walkId, 0)).toMatchObject({
      resumeAt: 300,
      pages: 1,
      records: 10,
      done: false,
      remainingRecords: 90,
    });
    expect(await readSnapshots(db, walkId)).toEqual(
      new Map([
        ['int-1', [100, 200]],
        ['int-2', [100]],
      ]),
    );
    const after = await counts();
    expect(after).toMatchObject({
      pages: before.pages + 1,
      records: before.records + 10,
      inserted: before.inserted + 8,
      updated: before.updated + 1,
      unchanged: before.unchanged + 1,
      sanitized: before.sanitized + 1,
      requests: before.requests + 2,
      retries: before.retries + 1,
    });
    // The same move again: the slice is past it, so nothing moves and nothing is counted.
    expect(await bookPage(db, booking)).toEqual({ kind: 'taken' });
    expect(await counts()).toEqual(after);
    // The last page closes the slice and keeps the count of what was left when it gives none.
    const last = { ...booking.slice!.move, expectedResumeAt: 300, resumeAt: 1_000, done: true };
    delete last.remainingRecords;
    expect(await bookPage(db, { ...booking, slice: { sliceNo: 0, move: last } })).toEqual({ kind: 'moved' });
    expect(await readSlice(db, walkId, 0)).toMatchObject({
      resumeAt: 1_000,
      done: true,
      remainingRecords: 90,
    });
  });

  it('counts a page of a whole-list walk, which has no slice', async () => {
    const before = await counts();
    const booking = { walkId: randomUUID(), counts: { runId, stream: STREAM, add: add(5) } };
    expect(await bookPage(test.warehouse.db, booking)).toEqual({ kind: 'moved' });
    expect(await counts()).toMatchObject({ pages: before.pages + 1, records: before.records + 5 });
  });
});
