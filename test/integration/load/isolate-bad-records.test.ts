/**
 * The bisection that isolates records PostgreSQL refuses, on a table of its own: a CHECK constraint
 * refuses some items, a unique index refuses an item only once another one is in.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isDataError } from '../../../src/load/data-error.js';
import {
  type BadItem,
  type IsolatingWrite,
  writeIsolatingBadItems,
} from '../../../src/load/isolate-bad-records.js';
import type { Database } from '../../../src/state/schema.js';
import { openTestWarehouse, type TestWarehouse, WAREHOUSE_KINDS } from '../../support/warehouses.js';

type Db = Kysely<Database>;

const insertItems = (trx: Transaction<Database>, items: readonly number[]) =>
  sql`INSERT INTO isolate_items (n, residue) SELECT n, n % 1000 FROM unnest(${[...items]}::int[]) AS n`.execute(
    trx,
  );

const committed = async (db: Db) =>
  (await sql<{ n: number }>`SELECT n FROM isolate_items ORDER BY n`.execute(db)).rows.map((row) => row.n);

/** The plan of a page: items into `isolate_items`, then the bad ones and a "checkpoint" into `isolate_log`. */
function steps(log: { writes: number; finished: BadItem<number>[][] }): IsolatingWrite<number, number> {
  return {
    write: async (trx, items) => {
      log.writes += 1;
      await insertItems(trx, items);
      return items.length;
    },
    finish: async (trx, bad) => {
      log.finished.push([...bad]);
      await sql`INSERT INTO isolate_log (entry) VALUES (${`checkpoint, ${bad.length} bad`})`.execute(trx);
    },
  };
}

describe.each(WAREHOUSE_KINDS)('writeIsolatingBadItems on %s', (kind) => {
  let test: TestWarehouse;
  let db: Db;

  beforeAll(async () => {
    test = await openTestWarehouse(kind, { migrate: false });
    db = test.warehouse.db;
    // Below 1000, and no two items with the same residue mod 1000.
    await sql`CREATE TABLE isolate_items (n int PRIMARY KEY CHECK (n < 1000), residue int UNIQUE)`.execute(
      db,
    );
    await sql`CREATE TABLE isolate_log (entry text NOT NULL)`.execute(db);
  });
  afterAll(async () => {
    await test?.close();
  });
  beforeEach(async () => {
    await sql`TRUNCATE isolate_items, isolate_log`.execute(db);
  });

  it('writes a clean batch in one transaction, with one write', async () => {
    const log = { writes: 0, finished: [] as BadItem<number>[][] };
    const items = Array.from({ length: 300 }, (_, i) => i);
    const result = await writeIsolatingBadItems(db, items, steps(log));
    expect(result).toEqual({ written: [300], bad: [] });
    expect(log.writes).toBe(1);
    expect(await committed(db)).toEqual(items);
  });

  it('rejects exactly the items PostgreSQL refuses, with its message, and commits the rest with the checkpoint', async () => {
    const log = { writes: 0, finished: [] as BadItem<number>[][] };
    const items = Array.from({ length: 200 }, (_, i) => (i % 37 === 5 ? 5000 + i : i));
    const result = await writeIsolatingBadItems(db, items, steps(log));
    const bad = items.filter((n) => n >= 1000);
    expect(result.bad.map((entry) => entry.item)).toEqual(bad);
    expect(result.bad[0]?.reason).toMatch(
      /^23514: new row for relation "isolate_items" violates check constraint/,
    );
    expect(result.written.reduce((sum, n) => sum + n, 0)).toBe(items.length - bad.length);
    expect(await committed(db)).toEqual(items.filter((n) => n < 1000));
    expect(log.finished).toHaveLength(1);
    const entries = await sql<{ entry: string }>`SELECT entry FROM isolate_log`.execute(db);
    expect(entries.rows).toEqual([{ entry: `checkpoint, ${bad.length} bad` }]);
    // Bisection, not one write per item: 1 + about 2 log2(200) per bad item.
    expect(log.writes).toBeLessThan(1 + bad.length * 2 * Math.ceil(Math.log2(items.length)));
  });

  it('finds an item that only fails together with another one (the later one is rejected)', async () => {
    const log = { writes: 0, finished: [] as BadItem<number>[][] };
    // 1007 has the residue of 7, so it is refused only once 7 is in; the CHECK would refuse it alone.
    await sql`ALTER TABLE isolate_items DROP CONSTRAINT isolate_items_n_check`.execute(db);
    try {
      const items = [1, 2, 7, 3, 4, 5, 6, 1007, 8];
      const result = await writeIsolatingBadItems(db, items, steps(log));
      expect(result.bad.map((entry) => entry.item)).toEqual([1007]);
      expect(result.bad[0]?.reason).toMatch(/^23505: duplicate key value violates unique constraint/);
      expect(await committed(db)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      await sql`DELETE FROM isolate_items WHERE n >= 1000`.execute(db);
      await sql`ALTER TABLE isolate_items ADD CHECK (n < 1000)`.execute(db);
    }
  });

  it('rejects every item when every item is refused, and still commits the checkpoint', async () => {
    const log = { writes: 0, finished: [] as BadItem<number>[][] };
    const result = await writeIsolatingBadItems(db, [5001, 5002, 5003], steps(log));
    expect(result.bad.map((entry) => entry.item)).toEqual([5001, 5002, 5003]);
    expect(await committed(db)).toEqual([]);
    expect((await sql`SELECT entry FROM isolate_log`.execute(db)).rows).toHaveLength(1);
  });

  it.each([
    ['a serialization failure', Object.assign(new Error('could not serialize access'), { code: '40001' })],
    ['a deadlock', Object.assign(new Error('deadlock detected'), { code: '40P01' })],
    ['a lost connection', Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' })],
    ['disk full', Object.assign(new Error('could not extend file'), { code: '53100' })],
    ['a permission error', Object.assign(new Error('permission denied for table'), { code: '42501' })],
    ['a plain bug', new TypeError('x is undefined')],
  ])('lets %s through untouched: nothing committed, nothing bisected', async (_name, failure) => {
    expect(isDataError(failure)).toBe(false);
    const log = { writes: 0, finished: [] as BadItem<number>[][] };
    const failing: IsolatingWrite<number, number> = {
      ...steps(log),
      write: async (trx, items) => {
        log.writes += 1;
        await insertItems(trx, items);
        throw failure;
      },
    };
    await expect(writeIsolatingBadItems(db, [1, 2, 3], failing)).rejects.toBe(failure);
    expect(log.writes).toBe(1);
    expect(log.finished).toEqual([]);
    expect(await committed(db)).toEqual([]);
  });

  it('never bisects a failure of finish, even a data error', async () => {
    const log = { writes: 0, finished: [] as BadItem<number>[][] };
    const plan: IsolatingWrite<number, number> = {
      ...steps(log),
      finish: async (trx) => {
        await sql`INSERT INTO isolate_items (n) VALUES (99999)`.execute(trx);
      },
    };
    await expect(writeIsolatingBadItems(db, [1, 2, 3], plan)).rejects.toMatchObject({ code: '23514' });
    expect(log.writes).toBe(1);
    expect(await committed(db)).toEqual([]);
  });
});
