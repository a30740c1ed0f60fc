/**
 * The write path on a PostgreSQL server: rows travel by binary `COPY`, the closest thing to a bulk load
 * that still lets each page be ONE transaction with its checkpoint.
 *
 * Entity rows, sorted by what the table already holds for their keys (./existing-rows.ts):
 * - rows stored with the same hash and not deleted are unchanged: not sent again, not touched;
 * - the others (new keys, a different hash, a deleted row) are COPYed into the session's staging table
 *   (./stage-table.ts) and merged by the guarded upsert (./merge-sql.ts), which rewrites only rows
 *   whose raw record really differs and returns the rows it inserted or changed.
 * Child rows of the parents that changed are COPYed straight into their table: their old lists are
 * gone by then (./child-rows.ts).
 *
 * A value the binary encoding does not send as is (./copy-binary.ts) sends that statement's rows
 * through the portable path instead, so that PostgreSQL judges it there. Outside a transaction (where
 * each statement may take another connection, and so another staging table) the portable path is used.
 */
import { CompiledQuery } from 'kysely';
import { keyText, qualified } from '../state/sql-text.js';
import type { ChildTableSpec, Row } from '../streams/types.js';
import { CopyIn } from './copy-client.js';
import { copyColumnList, encodeChildRows, encodedOrUndefined, encodeEntityRows } from './copy-rows.js';
import { storedStates } from './existing-rows.js';
import { runMerge } from './merge-sql.js';
import { fillStage, type StageOptions, stageOf } from './stage-table.js';
import { jsonbWritePath } from './write-path-jsonb.js';
import type { Executor, PreparedRow, WritePath } from './write-types.js';

export function createCopyWritePath(options: StageOptions): WritePath {
  return {
    name: 'copy',

    async mergeRows(trx, table, rows, stamp) {
      if (!trx.isTransaction) return jsonbWritePath.mergeRows(trx, table, rows, stamp);
      const stored = await storedStates(trx, table, rows);
      const toMerge = rows.filter((prepared: PreparedRow) => {
        const state = stored.get(keyText(prepared.row, table.key));
        return state === undefined || state.deleted || state.hash !== prepared.hash;
      });
      if (toMerge.length === 0) return [];
      const data = encodedOrUndefined(() => encodeEntityRows(table, toMerge));
      if (data === undefined) return jsonbWritePath.mergeRows(trx, table, toMerge, stamp);
      const stage = stageOf(table, options);
      await fillStage(trx, stage, data);
      return runMerge(trx, table, stage.merge, stamp);
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
