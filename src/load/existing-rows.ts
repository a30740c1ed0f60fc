/**
 * What the entity table already holds for a page's keys: each stored row's `row_hash` and whether it
 * is marked deleted. One index probe per key, no lock, nothing written.
 *
 * The COPY path leaves out of the page the rows stored with the same hash and not deleted: they are
 * unchanged, so they are neither sent nor locked by the upsert (an `ON CONFLICT DO UPDATE ... WHERE`
 * locks the row it finds even when its guard then skips it). Should another writer change one of those
 * rows between this read and the commit (one process never writes two pages sharing a key at once,
 * src/load/ordered-writes.ts), the page counts it unchanged, as the guard would have had it read first.
 */
import { CompiledQuery } from 'kysely';
import { keyText, qualified, quoteIdent } from '../state/sql-text.js';
import type { TableSpec } from '../streams/types.js';
import type { Executor, PreparedRow } from './write-types.js';

export interface StoredState {
  hash: string;
  deleted: boolean;
}

const probeSqlCache = new WeakMap<TableSpec, string>();

function columnType(table: TableSpec, name: string): string {
  return table.columns.find((column) => column.name === name)?.type ?? 'text';
}

function isTextList(values: readonly unknown[]): values is (string | null)[] {
  return values.every((value) => value === null || typeof value === 'string');
}

function probeSql(table: TableSpec): string {
  let text = probeSqlCache.get(table);
  if (text === undefined) {
    const keyColumns = table.key.map(quoteIdent);
    const types = table.key.map((name) => columnType(table, name));
    text = `
      SELECT ${keyColumns.map((column) => `t.${column}`).join(', ')}, t.row_hash, t.deleted_at IS NOT NULL AS deleted
      FROM ${qualified(table.schema, table.name)} AS t
      JOIN unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')}) AS k(${keyColumns.join(', ')})
        ON ${keyColumns.map((column) => `t.${column} = k.${column}`).join(' AND ')}`;
    probeSqlCache.set(table, text);
  }
  return text;
}

/**
 * `keyText` of each stored row among `rows` → its state. `textArrayParam`: how a key column's values
 * are sent when they are all text (`WritePath.textArrayParam`).
 */
export async function storedStates(
  trx: Executor,
  table: TableSpec,
  rows: readonly PreparedRow[],
  textArrayParam?: (values: readonly (string | null)[]) => unknown,
): Promise<Map<string, StoredState>> {
  const keyArrays = table.key.map((column) => {
    const values = rows.map(({ row }) => row[column] ?? null);
    return textArrayParam && columnType(table, column) === 'text' && isTextList(values)
      ? textArrayParam(values)
      : values;
  });
  const result = await trx.executeQuery<Record<string, unknown> & { row_hash: string; deleted: boolean }>(
    CompiledQuery.raw(probeSql(table), keyArrays),
  );
  const states = new Map<string, StoredState>();
  for (const row of result.rows)
    states.set(keyText(row, table.key), { hash: row.row_hash, deleted: row.deleted });
  return states;
}
