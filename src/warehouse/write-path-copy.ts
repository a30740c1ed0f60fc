/**
 * The write path on a PostgreSQL server: rows travel by binary `COPY`, the closest thing to a bulk load
 * that still lets each page be ONE transaction with its checkpoint.
 *
 * - Entity rows are COPYed into a staging table of the session (`pg_temp`, created once per
 *   connection, `ON COMMIT DELETE ROWS`: never WAL-logged, emptied by each commit), then merged into
 *   the entity table by the same upsert as the portable path (./merge-sql.ts), whose guard leaves
 *   unchanged rows alone and which returns the rows that changed.
 * - Child rows of the parents that changed are COPYed straight into their table: their old lists are
 *   gone by then (./child-rows.ts), so there is nothing to merge.
 *
 * A value the binary encoding does not send as is (./copy-binary.ts) sends that statement's rows
 * through the portable path instead, so PostgreSQL judges it there. Outside a transaction (where
 * each statement may take another connection, and so another staging table) the portable path is used.
 */
import { CompiledQuery } from 'kysely';
import type { ChildTableSpec, ColumnSpec, Row, TableSpec } from '../streams/types.js';
import { BinaryCopyRows, type CopyColumnType, JsonText, NotBinaryEncodableError } from './copy-binary.js';
import { CopyIn } from './copy-client.js';
import { mergeSourceColumns, mergeSql, runMerge } from './merge-sql.js';
import { rowHash } from './row-hash.js';
import { qualified, quoteIdent } from './sql-text.js';
import { jsonbWritePath } from './write-path-jsonb.js';
import type { ChangedRow, Executor, PreparedRow, WritePath, WriteStamp } from './write-types.js';

/** Staging tables are named `sei_sync_stage_<table>_<hash of its columns>` in the session's pg_temp. */
const STAGE_PREFIX = 'sei_sync_stage_';

interface Stage {
  /** Qualified name, `pg_temp."sei_sync_stage_..."`. */
  name: string;
  create: string;
  copy: string;
  clear: string;
  merge: string;
  types: CopyColumnType[];
}

const stages = new WeakMap<TableSpec, Stage>();

function copyColumns(columns: readonly ColumnSpec[]): string {
  return columns.map((column) => quoteIdent(column.name)).join(', ');
}

function stageOf(table: TableSpec): Stage {
  let stage = stages.get(table);
  if (stage !== undefined) return stage;
  const columns = mergeSourceColumns(table);
  // The columns are part of the name: a session never COPYs into a staging table of another shape.
  const signature = rowHash(columns.map((column) => `${column.name} ${column.type}`).join(',')).slice(0, 8);
  const name = `pg_temp.${quoteIdent(`${STAGE_PREFIX}${table.name}_${signature}`)}`;
  stage = {
    name,
    // No constraints: a NULL key or raw is refused by the merge, with the entity table's own message.
    create: `CREATE TEMP TABLE IF NOT EXISTS ${name} (${columns
      .map((column) => `${quoteIdent(column.name)} ${column.type}`)
      .join(', ')}) ON COMMIT DELETE ROWS`,
    copy: `COPY ${name} (${copyColumns(columns)}) FROM STDIN (FORMAT binary)`,
    clear: `DELETE FROM ${name}`,
    merge: mergeSql(table, `${name} AS s`),
    types: columns.map((column) => column.type),
  };
  stages.set(table, stage);
  return stage;
}

/** The staging rows: typed columns (the raw record as the JSON text already made), then `row_hash`. */
function encodeStageRows(table: TableSpec, stage: Stage, rows: readonly PreparedRow[]): Buffer {
  const out = new BinaryCopyRows(stage.types, 4096 + rows.length * 2048);
  const values: unknown[] = new Array(stage.types.length);
  const hashAt = table.columns.length;
  for (const { row, rawJson, hash } of rows) {
    for (let i = 0; i < table.columns.length; i++) {
      const name = table.columns[i]!.name;
      values[i] = name === 'raw' ? (rawJson === null ? null : new JsonText(rawJson)) : row[name];
    }
    values[hashAt] = hash;
    out.add(values);
  }
  return out.finish();
}

function encodeChildRows(child: ChildTableSpec, rows: readonly Row[], runId: string): Buffer {
  const out = new BinaryCopyRows(
    [...child.columns.map((column) => column.type), 'uuid'],
    4096 + rows.length * 128,
  );
  const values: unknown[] = new Array(child.columns.length + 1);
  values[child.columns.length] = runId;
  for (const row of rows) {
    for (let i = 0; i < child.columns.length; i++) values[i] = row[child.columns[i]!.name];
    out.add(values);
  }
  return out.finish();
}

/** The encoded rows, or undefined when a value must go through the portable path. */
function encodedOrUndefined(encode: () => Buffer): Buffer | undefined {
  try {
    return encode();
  } catch (error) {
    if (error instanceof NotBinaryEncodableError) return undefined;
    throw error;
  }
}

/**
 * Transactions whose staging tables may hold rows of an earlier write: a page being bisected writes
 * several parts in one transaction (./isolate-bad-records.ts), each of which must merge only its own.
 */
const usedStages = new WeakMap<Executor, Set<string>>();

async function fillStage(trx: Executor, stage: Stage, data: Buffer): Promise<void> {
  await trx.executeQuery(CompiledQuery.raw(stage.create));
  let used = usedStages.get(trx);
  if (used === undefined) {
    used = new Set();
    usedStages.set(trx, used);
  }
  if (used.has(stage.name)) await trx.executeQuery(CompiledQuery.raw(stage.clear));
  used.add(stage.name);
  await trx.executeQuery(CompiledQuery.raw(stage.copy, [new CopyIn(data)]));
}

export const copyWritePath: WritePath = {
  name: 'copy',

  async mergeRows(
    trx: Executor,
    table: TableSpec,
    rows: readonly PreparedRow[],
    stamp: WriteStamp,
  ): Promise<ChangedRow[]> {
    const stage = stageOf(table);
    const data = trx.isTransaction
      ? encodedOrUndefined(() => encodeStageRows(table, stage, rows))
      : undefined;
    if (data === undefined) return jsonbWritePath.mergeRows(trx, table, rows, stamp);
    await fillStage(trx, stage, data);
    return runMerge(trx, table, stage.merge, stamp);
  },

  async insertChildren(trx: Executor, child: ChildTableSpec, rows: readonly Row[], runId: string) {
    const data = encodedOrUndefined(() => encodeChildRows(child, rows, runId));
    if (data === undefined) return jsonbWritePath.insertChildren(trx, child, rows, runId);
    await trx.executeQuery(
      CompiledQuery.raw(
        `COPY ${qualified(child.schema, child.name)} (${copyColumns(child.columns)}, run_id) FROM STDIN (FORMAT binary)`,
        [new CopyIn(data)],
      ),
    );
  },
};
