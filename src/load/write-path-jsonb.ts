/**
 * The portable write path: rows travel as ONE jsonb parameter expanded by `jsonb_to_recordset`, a
 * single statement per table. It works the same on PostgreSQL and on the embedded PGlite (which has
 * no COPY through our driver), and it is where the COPY path sends the values it does not encode
 * (./copy-binary.ts), so that PostgreSQL itself judges them.
 */
import { CompiledQuery } from 'kysely';
import { qualified, quoteIdent, recordsetColumns } from '../state/sql-text.js';
import { RAW_COLUMN } from '../streams/table-spec.js';
import type { ChildTableSpec, Row, TableSpec } from '../streams/types.js';
import { mergeSourceColumns, mergeSql, runMerge } from './merge-sql.js';
import { pick } from './page-rows.js';
import type { ChangedRow, Executor, PreparedRow, WritePath, WriteStamp } from './write-types.js';

const mergeSqlCache = new WeakMap<TableSpec, string>();

function jsonbMergeSql(table: TableSpec): string {
  let text = mergeSqlCache.get(table);
  if (text === undefined) {
    text = mergeSql(
      table,
      `jsonb_to_recordset($3::jsonb) AS s(${recordsetColumns(mergeSourceColumns(table))})`,
    );
    mergeSqlCache.set(table, text);
  }
  return text;
}

/**
 * The rows as a JSON array of objects, each with its raw record spliced in as the JSON text already
 * serialized to hash it (so a page is serialized once), and its `row_hash`.
 */
export function recordsetJson(table: TableSpec, rows: readonly PreparedRow[]): string {
  const typed = table.columns.filter((column) => column.name !== RAW_COLUMN.name);
  const parts = rows.map(({ row, rawJson, hash }) => {
    const rest = JSON.stringify(pick(row, typed));
    const head = `{"raw":${rawJson ?? 'null'},"row_hash":${JSON.stringify(hash)}`;
    return rest === '{}' ? `${head}}` : `${head},${rest.slice(1)}`;
  });
  return `[${parts.join(',')}]`;
}

export const jsonbWritePath: WritePath = {
  name: 'jsonb',

  mergeRows(
    trx: Executor,
    table: TableSpec,
    rows: readonly PreparedRow[],
    stamp: WriteStamp,
  ): Promise<ChangedRow[]> {
    return runMerge(trx, table, jsonbMergeSql(table), stamp, [recordsetJson(table, rows)]);
  },

  async insertChildren(trx: Executor, child: ChildTableSpec, rows: readonly Row[], runId: string) {
    const columns = child.columns.map((column) => quoteIdent(column.name));
    await trx.executeQuery(
      CompiledQuery.raw(
        `INSERT INTO ${qualified(child.schema, child.name)} (${columns.join(', ')}, run_id)
         SELECT ${columns.map((column) => `r.${column}`).join(', ')}, $2::uuid
         FROM jsonb_to_recordset($1::jsonb) AS r(${recordsetColumns(child.columns)})`,
        [JSON.stringify(rows.map((row) => pick(row, child.columns))), runId],
      ),
    );
  },
};
