/**
 * The write path of `renormalize`: stored rows read back in key order, and their typed columns and
 * child rows re-derived from `raw`, set-based and without touching what did not change.
 *
 * Unlike the sync's upsert, whose guard compares `row_hash` (the hash of `raw`, which a renormalize
 * never changes), the guard here compares the typed columns themselves (`ROW(...) IS DISTINCT FROM
 * ROW(...)`), and child lists as multisets (`EXCEPT ALL` both ways). A row that normalizes to what is
 * stored is not rewritten: no new tuple, no WAL, and an exact count of changed rows. `raw`, `row_hash`,
 * `first_seen_at`, `last_synced_at` and `deleted_at` are never written (the record did not change, so
 * no history version is due either); `run_id` names the renormalize run on the rows it rewrote.
 */
import { CompiledQuery } from 'kysely';
import { type Executor, pick } from '../load/upsert.js';
import { keyText, qualified, quoteIdent, recordsetColumns } from '../state/sql-text.js';
import type { ChildTableSpec, Row, TableSpec } from '../streams/types.js';

/** One stored row: its key columns as text, in key order, and its untouched record. */
export interface StoredRow {
  key: string[];
  raw: unknown;
}

/**
 * Up to `limit` rows after `afterKey` (null: from the first row), in primary-key order: a keyset walk
 * on the primary key's index, so each batch costs the same however deep into the table it is.
 */
export async function readStoredRows(
  db: Executor,
  table: TableSpec,
  afterKey: readonly string[] | null,
  limit: number,
): Promise<StoredRow[]> {
  const keyColumns = table.key.map(quoteIdent);
  const keyTypes = table.key.map(
    (name) => table.columns.find((column) => column.name === name)?.type ?? 'text',
  );
  const after =
    afterKey === null
      ? ''
      : `WHERE ROW(${keyColumns.join(', ')}) > ROW(${keyTypes.map((type, i) => `$${i + 2}::${type}`).join(', ')})`;
  const result = await db.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(
      `SELECT ${keyColumns.map((column, i) => `${column}::text AS k${i}`).join(', ')}, raw
       FROM ${qualified(table.schema, table.name)} ${after}
       ORDER BY ${keyColumns.join(', ')} LIMIT $1`,
      [limit, ...(afterKey ?? [])],
    ),
  );
  return result.rows.map((row) => ({ key: table.key.map((_, i) => String(row[`k${i}`])), raw: row.raw }));
}

/** Rows in the table, for progress estimates. */
export async function countStoredRows(db: Executor, table: TableSpec): Promise<number> {
  const result = await db.executeQuery<{ n: number }>(
    CompiledQuery.raw(`SELECT count(*)::int AS n FROM ${qualified(table.schema, table.name)}`),
  );
  return result.rows[0]?.n ?? 0;
}

export interface RederiveInput {
  table: TableSpec;
  children: readonly ChildTableSpec[];
  /** Normalized rows of stored records, one per key (keys as stored). */
  rows: readonly Row[];
  /** Child table name → rows of those parents, in record order. */
  childRows: Readonly<Record<string, readonly Row[]>>;
  runId: string;
}

/**
 * Writes the typed columns and child rows of `rows` where they differ from what is stored. Returns the
 * keys (as `keyText`) of the parents that changed: typed columns, child rows, or both.
 */
export async function rewriteDerived(trx: Executor, input: RederiveInput): Promise<Set<string>> {
  const changed = new Set<string>();
  if (input.rows.length === 0) return changed;
  const { table } = input;
  const derived = table.columns.filter((column) => column.name !== 'raw' && !table.key.includes(column.name));
  const keyColumns = table.key.map(quoteIdent);
  const specs = table.columns.filter((column) => table.key.includes(column.name) || derived.includes(column));
  const updated = await trx.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(
      `UPDATE ${qualified(table.schema, table.name)} AS t SET
         ${derived.map((column) => `${quoteIdent(column.name)} = r.${quoteIdent(column.name)}`).join(', ')},
         run_id = $2::uuid
       FROM jsonb_to_recordset($1::jsonb) AS r(${recordsetColumns(specs)})
       WHERE ${keyColumns.map((column) => `t.${column} = r.${column}`).join(' AND ')}
         AND ROW(${derived.map((column) => `t.${quoteIdent(column.name)}`).join(', ')})
             IS DISTINCT FROM ROW(${derived.map((column) => `r.${quoteIdent(column.name)}`).join(', ')})
       RETURNING ${keyColumns.map((column) => `t.${column}`).join(', ')}`,
      [JSON.stringify(input.rows.map((row) => pick(row, specs))), input.runId],
    ),
  );
  for (const row of updated.rows) changed.add(keyText(row, table.key));
  for (const child of input.children) {
    for (const key of await rewriteChildren(trx, child, input)) changed.add(key);
  }
  return changed;
}

/**
 * Replaces the child rows of the parents whose stored list differs from the derived one (compared as
 * multisets of whole rows), and returns those parents' keys.
 */
async function rewriteChildren(
  trx: Executor,
  child: ChildTableSpec,
  input: RederiveInput,
): Promise<string[]> {
  const target = qualified(child.schema, child.name);
  const parentColumns = child.parentKey.map(quoteIdent);
  const childColumns = child.columns.map((column) => quoteIdent(column.name));
  const parents = JSON.stringify(
    input.rows.map((row) =>
      Object.fromEntries(child.parentKey.map((column, i) => [column, row[input.table.key[i]!] ?? null])),
    ),
  );
  const fresh = JSON.stringify((input.childRows[child.name] ?? []).map((row) => pick(row, child.columns)));
  const parentSpecs = child.columns.filter((column) => child.parentKey.includes(column.name));
  const differ = await trx.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(
      `WITH fresh AS (
         SELECT ${childColumns.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS r(${recordsetColumns(child.columns)})
       ), stale AS (
         SELECT ${childColumns.map((column) => `c.${column}`).join(', ')}
         FROM ${target} AS c JOIN jsonb_to_recordset($2::jsonb) AS k(${recordsetColumns(parentSpecs)})
           ON ${parentColumns.map((column) => `c.${column} = k.${column}`).join(' AND ')}
       )
       SELECT DISTINCT ${parentColumns.join(', ')}
       FROM ((SELECT * FROM fresh EXCEPT ALL SELECT * FROM stale)
             UNION ALL (SELECT * FROM stale EXCEPT ALL SELECT * FROM fresh)) AS d`,
      [fresh, parents],
    ),
  );
  if (differ.rows.length === 0) return [];
  const keys = differ.rows.map((row) => keyText(row, child.parentKey));
  const wanted = new Set(keys);
  await trx.executeQuery(
    CompiledQuery.raw(
      `DELETE FROM ${target} AS c USING jsonb_to_recordset($1::jsonb) AS k(${recordsetColumns(parentSpecs)})
       WHERE ${parentColumns.map((column) => `c.${column} = k.${column}`).join(' AND ')}`,
      [JSON.stringify(differ.rows)],
    ),
  );
  const rows = (input.childRows[child.name] ?? [])
    .filter((row) => wanted.has(keyText(row, child.parentKey)))
    .map((row) => pick(row, child.columns));
  if (rows.length > 0)
    await trx.executeQuery(
      CompiledQuery.raw(
        `INSERT INTO ${target} (${childColumns.join(', ')}, run_id)
         SELECT ${childColumns.map((column) => `r.${column}`).join(', ')}, $2::uuid
         FROM jsonb_to_recordset($1::jsonb) AS r(${recordsetColumns(child.columns)})`,
        [JSON.stringify(rows), input.runId],
      ),
    );
  // As parent keys (the parent table's key columns hold the same values in the same order).
  return keys;
}
