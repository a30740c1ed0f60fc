/**
 * The history layer: keeps `sei_history.<table>` (SCD type 2, migration 003) in step with the `sei`
 * entity tables, inside the transaction that wrote the page.
 *
 * Set-based, two statements per page whatever its size: close the current versions whose hash
 * differs from the entity row, then insert the new current versions (copied from the entity rows, so
 * the history holds exactly what was stored). Keys travel as one jsonb parameter expanded by
 * `jsonb_to_recordset`, which works the same on PostgreSQL and PGlite.
 *
 * Instants: a version is current on `[valid_from, valid_to)`. A row written twice at the same instant
 * (the same run met it on two pages) keeps one version, replaced in place, so intervals never have a
 * negative length and `(key, valid_from)` stays unique. (One case is refused by the primary key: a row
 * deleted and written again at the very same instant; the engine deletes at the end of a walk and
 * writes with a later instant in the next run, so it does not arise.)
 */
import { CompiledQuery } from 'kysely';
import { qualified, quoteIdent, recordsetColumns } from '../state/sql-text.js';
import type { TableSpec } from '../streams/types.js';
import { keyObjectOf } from './key-object.js';
import type { ChangedRow, Executor } from './upsert.js';

/** The schema of the history tables (migration 003). */
export const HISTORY_SCHEMA = 'sei_history';

/** The key columns of a row as the `sei` table stores them (column name → value). */
export type RowKey = Readonly<Record<string, unknown>>;

interface HistorySql {
  close: string;
  open: string;
  closeKeys: string;
  closeDeleted: string;
}

const historySqlCache = new WeakMap<TableSpec, HistorySql>();

function historySql(table: TableSpec): HistorySql {
  const cached = historySqlCache.get(table);
  if (cached) return cached;
  const entity = qualified(table.schema, table.name);
  const history = qualified(HISTORY_SCHEMA, table.name);
  const keyColumns = table.key.map(quoteIdent);
  const keySpecs = table.columns.filter((column) => table.key.includes(column.name));
  const keys = `jsonb_to_recordset($1::jsonb) AS k(${recordsetColumns(keySpecs)})`;
  const match = (left: string, right: string) =>
    keyColumns.map((column) => `${left}.${column} = ${right}.${column}`).join(' AND ');
  const text: HistorySql = {
    // 1. End the current version of every changed key whose content differs from the entity row.
    //    A version that became current at this very instant (or later) is replaced by statement 2.
    close: `
      UPDATE ${history} AS h SET valid_to = $2::timestamptz
      FROM ${keys}, ${entity} AS e
      WHERE ${match('e', 'k')} AND ${match('h', 'k')}
        AND h.valid_to IS NULL AND h.valid_from < $2::timestamptz
        AND h.row_hash IS DISTINCT FROM e.row_hash`,
    // 2. Open a version for every changed key that has no current one left; a current version with the
    //    same hash stays as it is, one from this same instant (or a later one: clocks of two workers) is
    //    overwritten in place. Rows go in key order, like the upsert's, so concurrent pages lock alike.
    open: `
      INSERT INTO ${history} AS h (${keyColumns.join(', ')}, valid_from, row_hash, raw, run_id)
      SELECT ${keyColumns.map((column) => `e.${column}`).join(', ')}, $2::timestamptz, e.row_hash, e.raw, $3::uuid
      FROM ${keys} JOIN ${entity} AS e ON ${match('e', 'k')}
      WHERE e.deleted_at IS NULL
      ORDER BY ${keyColumns.map((column) => `e.${column}`).join(', ')}
      ON CONFLICT (${keyColumns.join(', ')}) WHERE valid_to IS NULL DO UPDATE SET
        row_hash = EXCLUDED.row_hash, raw = EXCLUDED.raw, run_id = EXCLUDED.run_id
      WHERE h.row_hash IS DISTINCT FROM EXCLUDED.row_hash`,
    // Deletions: `greatest` keeps valid_to >= valid_from if a version began after the deletion instant.
    closeKeys: `
      UPDATE ${history} AS h SET valid_to = greatest($2::timestamptz, h.valid_from), deleted = true
      FROM ${keys}
      WHERE ${match('h', 'k')} AND h.valid_to IS NULL`,
    closeDeleted: `
      UPDATE ${history} AS h SET valid_to = greatest(e.deleted_at, h.valid_from), deleted = true
      FROM ${entity} AS e
      WHERE ${match('h', 'e')} AND h.valid_to IS NULL AND e.deleted_at IS NOT NULL`,
  };
  historySqlCache.set(table, text);
  return text;
}

function keyRows(table: TableSpec, keys: readonly RowKey[]): string {
  return JSON.stringify(keys.map(keyObjectOf(table.key, { missingAsNull: true })));
}

export interface HistoryResult {
  /** Current versions ended (changed rows whose previous version was closed). */
  closed: number;
  /** Versions opened or replaced in place. */
  opened: number;
}

/**
 * Records a new version for each changed row of `table` as of `at`, from the row now stored in the
 * entity table: closes the previous current version (`valid_to = at`) and inserts the new one
 * (`valid_from = at`). A row whose current version already has the same `row_hash` gets no version.
 * Call it in the page transaction, after the upsert (`writePage`'s `onChanged`).
 *
 * @example
 *   await writePage(trx, { ..., onChanged: (trx, table, changed) => recordHistory(trx, table, changed, syncedAt, runId) });
 */
export async function recordHistory(
  trx: Executor,
  table: TableSpec,
  changed: readonly ChangedRow[],
  at: Date,
  runId: string,
): Promise<HistoryResult> {
  if (changed.length === 0) return { closed: 0, opened: 0 };
  const text = historySql(table);
  const keys = keyRows(
    table,
    changed.map((row) => row.key),
  );
  const closed = await trx.executeQuery(CompiledQuery.raw(text.close, [keys, at.toISOString()]));
  const opened = await trx.executeQuery(CompiledQuery.raw(text.open, [keys, at.toISOString(), runId]));
  return { closed: Number(closed.numAffectedRows ?? 0), opened: Number(opened.numAffectedRows ?? 0) };
}

/**
 * Closes the current version of each key (rows just marked deleted) as of `at`, flagging it
 * `deleted`. Keys without a current version are left alone. Returns the number of versions closed.
 */
export async function closeHistory(
  trx: Executor,
  table: TableSpec,
  keys: readonly RowKey[],
  at: Date,
): Promise<number> {
  if (keys.length === 0) return 0;
  const result = await trx.executeQuery(
    CompiledQuery.raw(historySql(table).closeKeys, [keyRows(table, keys), at.toISOString()]),
  );
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Closes, as of each row's `deleted_at`, the current version of every row of `table` that is marked
 * deleted: one statement, no key list (for a deletion step that marks rows with a single UPDATE).
 * Idempotent. Returns the number of versions closed.
 */
export async function closeHistoryOfDeletedRows(trx: Executor, table: TableSpec): Promise<number> {
  const result = await trx.executeQuery(CompiledQuery.raw(historySql(table).closeDeleted, []));
  return Number(result.numAffectedRows ?? 0);
}

/**
 * The history layer as the sync engine's change listener (`ChangeListener` in src/sync/engine.ts,
 * matched structurally so the warehouse does not import the engine): pass it as `changeListener`.
 */
export const historyChangeListener = {
  async onChanged(trx: Executor, table: TableSpec, changed: readonly ChangedRow[], at: Date, runId: string) {
    await recordHistory(trx, table, changed, at, runId);
  },
  async onDeleted(trx: Executor, table: TableSpec, keys: readonly RowKey[], at: Date, _runId: string) {
    await closeHistory(trx, table, keys, at);
  },
};
