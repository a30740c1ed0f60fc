/**
 * The one upsert statement of an entity table, whatever the rows come from (a staging table filled by
 * COPY, or `jsonb_to_recordset` of a parameter): `$1` is the run id, `$2` the sync instant, and the
 * source yields the table's typed columns plus `row_hash`.
 *
 * The guard: a row is rewritten when it was deleted, or when its hash differs AND its raw record
 * differs as jsonb. Equal hashes (the common case: an unchanged record read again) skip the row without
 * looking at `raw`; differing hashes with equal content (keys in another order, a hash of an older
 * kind, see ./row-hash.ts) are caught by the jsonb comparison. An unchanged row gets no new tuple, no
 * WAL, no index entry, and is not returned, so the counts are exact.
 */
import { CompiledQuery } from 'kysely';
import { qualified, quoteIdent } from '../state/sql-text.js';
import type { ColumnSpec, TableSpec } from '../streams/types.js';
import type { ChangedRow, Executor, WriteStamp } from './write-types.js';

/** The columns a merge source yields, in this order: the typed columns, then `row_hash`. */
export function mergeSourceColumns(table: TableSpec): ColumnSpec[] {
  return [...table.columns, { name: 'row_hash', type: 'text' }];
}

/**
 * `INSERT ... SELECT ... FROM <source> ON CONFLICT ... RETURNING` for `table`. `source` is a FROM item
 * aliased `s`, SQL text built from trusted identifiers (`pg_temp.stage AS s`, or
 * `jsonb_to_recordset($3::jsonb) AS s(...)`).
 */
export function mergeSql(table: TableSpec, source: string): string {
  const target = qualified(table.schema, table.name);
  const columns = table.columns.map((column) => quoteIdent(column.name));
  const keyColumns = table.key.map(quoteIdent);
  const updatable = columns.filter((column) => !keyColumns.includes(column));
  return `
    INSERT INTO ${target} AS t (${columns.join(', ')}, row_hash, run_id, last_synced_at)
    SELECT ${columns.map((column) => `s.${column}`).join(', ')}, s.row_hash, $1::uuid, $2::timestamptz
    FROM ${source}
    ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
      ${updatable.map((column) => `${column} = EXCLUDED.${column}`).join(',\n      ')},
      row_hash = EXCLUDED.row_hash,
      run_id = EXCLUDED.run_id,
      last_synced_at = EXCLUDED.last_synced_at,
      deleted_at = NULL
    WHERE (t.row_hash IS DISTINCT FROM EXCLUDED.row_hash AND t.raw IS DISTINCT FROM EXCLUDED.raw)
      OR t.deleted_at IS NOT NULL
    RETURNING ${keyColumns.map((column) => `t.${column}`).join(', ')}, (t.xmax = 0) AS inserted`;
}

/** Runs a merge statement and reads back the rows it inserted or changed. */
export async function runMerge(
  trx: Executor,
  table: TableSpec,
  text: string,
  stamp: WriteStamp,
  extra: readonly unknown[] = [],
): Promise<ChangedRow[]> {
  const result = await trx.executeQuery<Record<string, unknown> & { inserted: boolean }>(
    CompiledQuery.raw(text, [stamp.runId, stamp.syncedAt.toISOString(), ...extra]),
  );
  return result.rows.map((row) => {
    const key: Record<string, unknown> = {};
    for (const column of table.key) key[column] = row[column];
    return { key, inserted: row.inserted };
  });
}
