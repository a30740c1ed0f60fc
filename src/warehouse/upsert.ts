/**
 * The write path: one page of normalized rows into its entity table (and child tables), set-based.
 *
 * Rows travel as ONE jsonb parameter expanded by `jsonb_to_recordset` (a single round trip and a
 * single statement per table, and it works the same on PostgreSQL and on the embedded PGlite, which has
 * no COPY protocol for us). `row_hash` is md5 of the raw record as jsonb text (jsonb orders keys, so
 * the hash does not depend on the order SEI happened to send them in). The `ON CONFLICT ... WHERE`
 * guard leaves unchanged rows alone: no new tuple, no WAL, no trigger, and exact counts.
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { ChildTableSpec, ColumnSpec, Row, TableSpec } from '../streams/types.js';
import type { Database } from './database.js';
import { keyText, qualified, quoteIdent, recordsetColumns } from './sql-text.js';

export type Executor = Kysely<Database> | Transaction<Database>;

/** A row the page inserted or really changed (its key columns), for layers that follow changes. */
export interface ChangedRow {
  key: Record<string, unknown>;
  inserted: boolean;
}

export interface WritePageInput {
  table: TableSpec;
  children: readonly ChildTableSpec[];
  rows: readonly Row[];
  /** Child table name → rows; only the children of changed parents are written. */
  childRows: Readonly<Record<string, readonly Row[]>>;
  runId: string;
  syncedAt: Date;
  /** Called inside the same transaction with the rows that changed (the history layer). */
  onChanged?: (trx: Executor, table: TableSpec, changed: readonly ChangedRow[]) => Promise<void>;
}

export interface WritePageResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows after de-duplication by key. */
  distinct: number;
  changed: ChangedRow[];
}

const upsertSqlCache = new WeakMap<TableSpec, string>();

function upsertSql(table: TableSpec): string {
  const cached = upsertSqlCache.get(table);
  if (cached) return cached;
  const target = qualified(table.schema, table.name);
  const columns = table.columns.map((column) => quoteIdent(column.name));
  const keyColumns = table.key.map(quoteIdent);
  const updatable = table.columns
    .filter((column) => !table.key.includes(column.name))
    .map((column) => quoteIdent(column.name));
  const text = `
    INSERT INTO ${target} AS t (${columns.join(', ')}, row_hash, run_id, last_synced_at)
    SELECT ${columns.map((column) => `r.${column}`).join(', ')}, md5(r.raw::text), $2::uuid, $3::timestamptz
    FROM jsonb_to_recordset($1::jsonb) AS r(${recordsetColumns(table.columns)})
    ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
      ${updatable.map((column) => `${column} = EXCLUDED.${column}`).join(',\n      ')},
      row_hash = EXCLUDED.row_hash,
      run_id = EXCLUDED.run_id,
      last_synced_at = EXCLUDED.last_synced_at,
      deleted_at = NULL
    WHERE t.row_hash IS DISTINCT FROM EXCLUDED.row_hash OR t.deleted_at IS NOT NULL
    RETURNING ${keyColumns.map((column) => `t.${column}`).join(', ')}, (t.xmax = 0) AS inserted`;
  upsertSqlCache.set(table, text);
  return text;
}

/** Last occurrence of each key wins; the result is sorted by key so concurrent writers lock in one order. */
export function dedupeByKey(rows: readonly Row[], key: readonly string[]): Row[] {
  const byKey = new Map<string, Row>();
  for (const row of rows) byKey.set(keyText(row, key), row);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

/** The row's values for exactly these columns, missing ones as null (what `jsonb_to_recordset` reads). */
export function pick(row: Row, columns: readonly ColumnSpec[]): Row {
  const out: Row = {};
  for (const column of columns) out[column.name] = row[column.name] ?? null;
  return out;
}

export async function writePage(trx: Executor, input: WritePageInput): Promise<WritePageResult> {
  const { table } = input;
  const rows = dedupeByKey(input.rows, table.key).map((row) => pick(row, table.columns));
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0, distinct: 0, changed: [] };
  const result = await trx.executeQuery<Record<string, unknown> & { inserted: boolean }>(
    CompiledQuery.raw(upsertSql(table), [JSON.stringify(rows), input.runId, input.syncedAt.toISOString()]),
  );
  const changed: ChangedRow[] = result.rows.map((row) => {
    const key: Record<string, unknown> = {};
    for (const column of table.key) key[column] = row[column];
    return { key, inserted: row.inserted };
  });
  const inserted = changed.filter((row) => row.inserted).length;
  const updated = changed.length - inserted;
  if (changed.length > 0) {
    await replaceChildren(trx, input, changed);
    await input.onChanged?.(trx, table, changed);
  }
  return { inserted, updated, unchanged: rows.length - changed.length, distinct: rows.length, changed };
}

/**
 * A parent that appeared twice on a page kept its last version; so must its children. Child rows come in
 * record order with ordinals counting up from 0 per record, so a non-increasing ordinal starts a new list.
 */
function lastListPerParent(
  rows: readonly Row[],
  parentKey: readonly string[],
  wanted: ReadonlySet<string>,
): Row[] {
  const lists = new Map<string, Row[]>();
  for (const row of rows) {
    const key = keyText(row, parentKey);
    if (!wanted.has(key)) continue;
    const list = lists.get(key);
    if (list === undefined || Number(row.ordinal) <= Number(list[list.length - 1]!.ordinal))
      lists.set(key, [row]);
    else list.push(row);
  }
  return [...lists.values()].flat();
}

/** Child rows of changed parents are deleted and re-inserted, so a history list always matches its issue. */
async function replaceChildren(
  trx: Executor,
  input: WritePageInput,
  changed: readonly ChangedRow[],
): Promise<void> {
  if (input.children.length === 0) return;
  const changedKeys = new Set(changed.map((row) => keyText(row.key, input.table.key)));
  // A parent the page just inserted has no child rows yet (child tables reference their parent, ON
  // DELETE CASCADE, so none can outlive one): only updated parents need their old lists deleted.
  const updated = changed.filter((row) => !row.inserted);
  for (const child of input.children) {
    const parentKeys = updated.map((row) =>
      Object.fromEntries(child.parentKey.map((column, i) => [column, row.key[input.table.key[i]!]])),
    );
    const target = qualified(child.schema, child.name);
    const keyColumns = child.parentKey.map(quoteIdent);
    if (parentKeys.length > 0)
      await trx.executeQuery(
        CompiledQuery.raw(
          `DELETE FROM ${target} AS c USING jsonb_to_recordset($1::jsonb) AS k(${keyColumns.map((c) => `${c} text`).join(', ')})
         WHERE ${keyColumns.map((column) => `c.${column}::text = k.${column}`).join(' AND ')}`,
          [JSON.stringify(parentKeys)],
        ),
      );
    const rows = lastListPerParent(input.childRows[child.name] ?? [], child.parentKey, changedKeys).map(
      (row) => pick(row, child.columns),
    );
    if (rows.length === 0) continue;
    const columns = child.columns.map((column) => quoteIdent(column.name));
    await trx.executeQuery(
      CompiledQuery.raw(
        `INSERT INTO ${target} (${columns.join(', ')}, run_id)
         SELECT ${columns.map((column) => `r.${column}`).join(', ')}, $2::uuid
         FROM jsonb_to_recordset($1::jsonb) AS r(${recordsetColumns(child.columns)})`,
        [JSON.stringify(rows), input.runId],
      ),
    );
  }
}
