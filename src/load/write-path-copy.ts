/**
 * The write path on a PostgreSQL server: rows travel by binary `COPY`, the closest thing to a bulk load
 * that still lets each page be ONE transaction with its checkpoint.
 *
 * Entity rows, sorted by what the table already holds for their keys (./existing-rows.ts):
 * - rows stored with the same hash and not deleted are unchanged: not sent again, not touched;
 * - rows of keys the table does not hold (a first sync: every row) are COPYed straight into the entity
 *   table, under a savepoint: should another writer have inserted one of those keys since the probe,
 *   the unique index refuses the COPY, and those rows join the next ones instead;
 * - the others (a different hash, a deleted row) are COPYed into the session's staging table
 *   (./stage-table.ts) and merged by the guarded upsert (./merge-sql.ts), which rewrites only rows
 *   whose raw record really differs and returns the rows it inserted or changed.
 * The direct COPY saves PostgreSQL the staging table and the merge for every new row: a third of its
 * CPU on a first sync (docs/write-path.md).
 * Child rows of the parents that changed are COPYed straight into their table: their old lists are
 * gone by then (./child-rows.ts).
 *
 * A value the binary encoding does not send as is (./copy-binary.ts) sends that statement's rows
 * through the portable path instead, so that PostgreSQL judges it there. Outside a transaction (where
 * each statement may take another connection, and so another staging table) the portable path is used.
 */
import { CompiledQuery, type Transaction } from 'kysely';
import type { Database } from '../state/schema.js';
import { qualified } from '../state/sql-text.js';
import type { ChildTableSpec, Row, TableSpec } from '../streams/types.js';
import { binaryTextArray } from './binary-params.js';
import { CopyIn } from './copy-client.js';
import { copyColumnList, encodeChildRows, encodedOrUndefined, encodeEntityRows } from './copy-rows.js';
import { storedStates } from './existing-rows.js';
import { underSavepoint } from './isolate-bad-records.js';
import { keyObjectOf } from './key-object.js';
import { mergeSourceColumns, runMerge } from './merge-sql.js';
import { fillStage, type StageOptions, stageOf } from './stage-table.js';
import { jsonbWritePath } from './write-path-jsonb.js';
import type { ChangedRow, Executor, PreparedRow, WritePath, WriteStamp } from './write-types.js';

const insertSqlCache = new WeakMap<TableSpec, string>();

function insertSql(table: TableSpec): string {
  let text = insertSqlCache.get(table);
  if (text === undefined) {
    text = `COPY ${qualified(table.schema, table.name)} (${copyColumnList(mergeSourceColumns(table))}, run_id, last_synced_at) FROM STDIN (FORMAT binary)`;
    insertSqlCache.set(table, text);
  }
  return text;
}

/**
 * COPYs rows of keys the table did not hold straight into it; undefined (and nothing written) when
 * they must be merged instead: a value the binary encoding does not send, or a key inserted meanwhile
 * (or any other data error, which the merge then meets and reports as it always has).
 */
async function insertNewRows(
  trx: Transaction<Database>,
  table: TableSpec,
  rows: readonly PreparedRow[],
  stamp: WriteStamp,
): Promise<ChangedRow[] | undefined> {
  const data = encodedOrUndefined(() => encodeEntityRows(table, rows, stamp));
  if (data === undefined) return undefined;
  const attempt = await underSavepoint(trx, () =>
    trx.executeQuery(CompiledQuery.raw(insertSql(table), [new CopyIn(data)])),
  );
  if (!attempt.ok) return undefined;
  const keyOf = keyObjectOf(table.key, { missingAsNull: false });
  return rows.map(({ row }) => ({ key: keyOf(row), inserted: true }));
}

export function createCopyWritePath(options: StageOptions): WritePath {
  return {
    name: 'copy',

    // A node-postgres connection: a Buffer parameter goes in binary.
    textArrayParam: binaryTextArray,

    async mergeRows(trx, table, rows, stamp) {
      if (!trx.isTransaction) return jsonbWritePath.mergeRows(trx, table, rows, stamp);
      const stored = await storedStates(trx, table, rows, binaryTextArray);
      // Each list in key order, as every statement takes rows, so that concurrent writers lock alike.
      const toWrite: PreparedRow[] = [];
      const newRows: PreparedRow[] = [];
      const storedRows: PreparedRow[] = [];
      for (const prepared of rows) {
        const state = stored.get(prepared.key);
        if (state === undefined) newRows.push(prepared);
        else if (state.deleted || state.hash !== prepared.hash) storedRows.push(prepared);
        else continue;
        toWrite.push(prepared);
      }
      let toMerge = toWrite;
      let inserted: ChangedRow[] = [];
      if (newRows.length > 0) {
        const direct = await insertNewRows(trx as Transaction<Database>, table, newRows, stamp);
        if (direct !== undefined) {
          inserted = direct;
          toMerge = storedRows;
        }
      }
      if (toMerge.length === 0) return inserted;
      const data = encodedOrUndefined(() => encodeEntityRows(table, toMerge));
      if (data === undefined)
        return [...inserted, ...(await jsonbWritePath.mergeRows(trx, table, toMerge, stamp))];
      const stage = stageOf(table, options);
      await fillStage(trx, stage, data);
      return [...inserted, ...(await runMerge(trx, table, stage.merge, stamp))];
    },

    async insertChildren(trx: Executor, child: ChildTableSpec, rows: readonly Row[], runId: string) {
      const data = encodedOrUndefined(() => encodeChildRows(child, rows, runId));
      if (data === undefined) return jsonbWritePath.insertChildren(trx, child, rows, runId);
      await trx.executeQuery(
        CompiledQuery.raw(
          `COPY ${qualified(child.schema, child.name)} (${copyColumnList(child.columns)}, run_id) FROM STDIN (FORMAT binary)`,
          [new CopyIn(data)],
        ),
      );
    },
  };
}
