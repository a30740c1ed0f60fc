/**
 * Writes a batch of items in one transaction, and when the write fails because of some of the items,
 * finds them and commits the others: one bad record never fails a page.
 *
 * 1. One transaction: `write(all items)`, then `finish([])` (e.g. the checkpoint). On a clean page this
 *    is all that happens: no savepoint, no extra round trip.
 * 2. If `write` failed with a data error (./data-error.ts), that transaction is rolled back and a second
 *    one bisects: each part is written under a savepoint, kept when it succeeds, rolled back and split
 *    in two when it fails, until the failing parts are single items. Parts are written on top of the
 *    parts kept before them, so an item that only fails together with another one is found too.
 *    Then `finish(bad items)` runs and the transaction commits.
 *
 * Any other failure (connection lost, disk full, permission, serialization failure, deadlock, or
 * anything thrown by `finish`) propagates untouched, so the caller fails and retries as before.
 *
 * @example
 *   const { written, bad } = await writeIsolatingBadItems(db, records, {
 *     write: (trx, part) => upsertRecords(trx, part),
 *     finish: async (trx, bad) => {
 *       await insertRejects(trx, bad.map(({ item, reason }) => ({ item, reason })));
 *       await advanceCheckpoint(trx);
 *     },
 *   });
 *   // clean:  BEGIN; <write all>; <finish>; COMMIT
 *   // 1 bad:  BEGIN; <write all> fails; ROLLBACK;
 *   //         BEGIN; SAVEPOINT p; <write half 1>; RELEASE p; SAVEPOINT p; <write half 2> fails;
 *   //         ROLLBACK TO p; ... (halves of half 2) ...; <finish>; COMMIT
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../state/schema.js';
import { describeDataError, isDataError } from './data-error.js';

export interface BadItem<Item> {
  readonly item: Item;
  /** PostgreSQL's message with its SQLSTATE, e.g. `22P05: unsupported Unicode escape sequence`. */
  readonly reason: string;
  readonly error: unknown;
}

export interface IsolatingWrite<Item, Written> {
  /**
   * Writes `items` (all of them, or a part of them while bisecting) in `trx`. May run several times
   * per call; a run that fails is rolled back to a savepoint, so it must not keep state of its own
   * between runs.
   */
  write(trx: Transaction<Database>, items: readonly Item[]): Promise<Written>;
  /**
   * Runs once, after the items, in the transaction that commits: store `bad` and, say, the checkpoint.
   * `written` holds what each kept `write` returned.
   */
  finish(
    trx: Transaction<Database>,
    bad: readonly BadItem<Item>[],
    written: readonly Written[],
  ): Promise<void>;
}

export interface IsolatedWriteResult<Item, Written> {
  /** What each committed `write` returned: one entry on a clean batch, one per part kept while bisecting. */
  written: Written[];
  bad: BadItem<Item>[];
}

const SAVEPOINT = 'sei_sync_isolate';

type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs `work` under a savepoint: kept when it succeeds; rolled back when it fails with a data error,
 * which is returned. Any other error propagates (the transaction is then lost anyway).
 */
export async function underSavepoint<T>(
  trx: Transaction<Database>,
  work: () => Promise<T>,
): Promise<Attempt<T>> {
  await sql.raw(`SAVEPOINT ${SAVEPOINT}`).execute(trx);
  try {
    const value = await work();
    await sql.raw(`RELEASE SAVEPOINT ${SAVEPOINT}`).execute(trx);
    return { ok: true, value };
  } catch (error) {
    if (!isDataError(error)) throw error;
    await sql.raw(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`).execute(trx);
    await sql.raw(`RELEASE SAVEPOINT ${SAVEPOINT}`).execute(trx);
    return { ok: false, error };
  }
}

export async function writeIsolatingBadItems<Item, Written>(
  db: Kysely<Database>,
  items: readonly Item[],
  steps: IsolatingWrite<Item, Written>,
): Promise<IsolatedWriteResult<Item, Written>> {
  let writing = false;
  let firstError: unknown;
  try {
    return await db.transaction().execute(async (trx) => {
      writing = true;
      const written = await steps.write(trx, items);
      writing = false;
      await steps.finish(trx, [], [written]);
      return { written: [written], bad: [] };
    });
  } catch (error) {
    if (!writing || !isDataError(error) || items.length === 0) throw error;
    firstError = error;
  }
  return db.transaction().execute(async (trx) => {
    const written: Written[] = [];
    const bad: BadItem<Item>[] = [];
    const isolate = async (part: readonly Item[], knownError?: unknown): Promise<void> => {
      let error = knownError;
      if (error === undefined) {
        const attempt = await underSavepoint(trx, () => steps.write(trx, part));
        if (attempt.ok) {
          written.push(attempt.value);
          return;
        }
        error = attempt.error;
      }
      if (part.length === 1) {
        bad.push({ item: part[0] as Item, reason: describeDataError(error), error });
        return;
      }
      const middle = Math.ceil(part.length / 2);
      await isolate(part.slice(0, middle));
      await isolate(part.slice(middle));
    };
    // The first transaction already showed that the whole batch fails: start with its halves.
    await isolate(items, firstError);
    await steps.finish(trx, bad, written);
    return { written, bad };
  });
}
