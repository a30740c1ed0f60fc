/**
 * The write path on a PostgreSQL server: rows travel by binary `COPY`, the closest thing to a bulk load
 * that still lets each page be ONE transaction with its checkpoint.
 *
 * Entity rows, sorted by what the table already holds for their keys (./existing-rows.ts):
 * - keys not stored yet are COPYed straight into the entity table: a first sync is a bulk load;
 * - rows stored with the same hash and not deleted are unchanged: not sent again, not touched;
 * - the rest (a different hash, a deleted row) are COPYed into the session's staging table
 *   (./stage-table.ts) and merged by the guarded upsert (./merge-sql.ts), which rewrites only rows
 *   whose raw record really differs.
 * Child rows of the parents that changed are COPYed straight into their table: their old lists are
 * gone by then (./child-rows.ts).
 *
 * A value the binary encoding does not send as is (./copy-binary.ts) sends that statement's rows
 * through the portable path instead, so that PostgreSQL judges it there. Outside a transaction (where
 * each statement may take another connection, and so another staging table) the portable path is used.
 */
import { CompiledQuery } from 'kysely';
import type { ChildTableSpec, Row, TableSpec } from '../streams/types.js';
import { CopyIn } from './copy-client.js';
import { copyColumnList, encodeChildRows, encodedOrUndefined, encodeEntityRows } from './copy-rows.js';
import { storedStates } from './existing-rows.js';
import { runMerge } from './merge-sql.js';
import { keyText, qualified } from './sql-text.js';
import { fillStage, type StageOptions, stageOf } from './stage-table.js';
import { jsonbWritePath } from './write-path-jsonb.js';
import type { ChangedRow, Executor, PreparedRow, WritePath, WriteStamp } from './write-types.js';

/** What a row COPYed straight into its entity table carries after its typed columns and `row_hash`. */
const STAMP_COLUMNS = [
  { name: 'run_id', type: 'uuid' },
  { name: 'last_synced_at', type: 'timestamptz' },
] as const;

async function copyNewRows(
  trx: Executor,
  table: TableSpec,
  rows: readonly PreparedRow[],
  stamp: WriteStamp,
): Promise<boolean> {
  const data = encodedOrUndefined(() =>
    encodeEntityRows(table, rows, { columns: STAMP_COLUMNS, values: [stamp.runId, stamp.syncedAt] }),
  );
  if (data === undefined) return false;
  const columns = copyColumnList([...table.columns, { name: 'row_hash' }, ...STAMP_COLUMNS]);
  await trx.executeQuery(
    CompiledQuery.raw(`COPY ${qualified(table.schema, table.name)} (${columns}) FROM STDIN (FORMAT binary)`, [
      new CopyIn(data),
    ]),
  );
  return true;
}

function keyOf(table: TableSpec, row: Row): Record<string, unknown> {
  const key: Record<string, unknown> = {};
  for (const column of table.key) key[column] = row[column];
  return key;
}

export function createCopyWritePath(options: StageOptions): WritePath {
  async function mergeThroughStage(
    trx: Executor,
    table: TableSpec,
    rows: readonly PreparedRow[],
    stamp: WriteStamp,
  ): Promise<ChangedRow[]> {
    const stage = stageOf(table, options);
    const data = encodedOrUndefined(() => encodeEntityRows(table, rows));
    if (data === undefined) return jsonbWritePath.mergeRows(trx, table, rows, stamp);
    await fillStage(trx, stage, data);
    return runMerge(trx, table, stage.merge, stamp);
  }

  return {
    name: 'copy',

    async mergeRows(trx, table, rows, stamp) {
      if (!trx.isTransaction) return jsonbWritePath.mergeRows(trx, table, rows, stamp);
      const stored = await storedStates(trx, table, rows);
      const fresh: PreparedRow[] = [];
      const others: PreparedRow[] = [];
      for (const prepared of rows) {
        const state = stored.get(keyText(prepared.row, table.key));
        if (state === undefined) fresh.push(prepared);
        else if (state.deleted || state.hash !== prepared.hash) others.push(prepared);
      }
      const changed: ChangedRow[] = [];
      if (fresh.length > 0) {
        if (await copyNewRows(trx, table, fresh, stamp))
          for (const { row } of fresh) changed.push({ key: keyOf(table, row), inserted: true });
        else others.push(...fresh);
      }
      if (others.length > 0) changed.push(...(await mergeThroughStage(trx, table, others, stamp)));
      return changed;
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
