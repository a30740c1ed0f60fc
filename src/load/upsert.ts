/**
 * The write path: one page of normalized rows into its entity table (and child tables), set-based.
 *
 * 1. Rows are de-duplicated by key (last wins), sorted by key, and each raw record is serialized once
 *    and hashed in the process (./page-rows.ts, ./row-hash.ts).
 * 2. The rows reach PostgreSQL by the warehouse's `WritePath` (binary COPY into a staging table on a
 *    server, a jsonb parameter on the embedded database) and are merged into the entity table by one
 *    `INSERT ... ON CONFLICT ... WHERE` whose guard leaves unchanged rows alone (./merge-sql.ts): no
 *    new tuple, no WAL, no trigger, and exact counts.
 * 3. The child lists of the parents that changed are replaced (./child-rows.ts), and the changes are
 *    passed on (the history layer), all in the caller's transaction.
 */
import type { ChildTableSpec, Row, TableSpec } from '../streams/types.js';
import { replaceChildren } from './child-rows.js';
import { prepareRows } from './page-rows.js';
import type { ChangedRow, Executor, WritePath } from './write-types.js';

export { dedupeByKey, pick } from './page-rows.js';
export type { ChangedRow, Executor, WritePath } from './write-types.js';

export interface WritePageInput {
  table: TableSpec;
  children: readonly ChildTableSpec[];
  rows: readonly Row[];
  /** Child table name → rows; only the children of changed parents are written. */
  childRows: Readonly<Record<string, readonly Row[]>>;
  runId: string;
  syncedAt: Date;
  /** How rows reach PostgreSQL (./write-path.ts: `writePathOf(warehouse)`). */
  path: WritePath;
  /** Called inside the same transaction with the rows that changed (the history layer). */
  onChanged?: (trx: Executor, table: TableSpec, changed: readonly ChangedRow[]) => Promise<void>;
}

export interface WritePageResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows after de-duplication by key. */
  distinct: number;
  /** Their keys (`keyText`), in key order. */
  keys: readonly string[];
  changed: ChangedRow[];
}

/** Writes one page in `trx` (a transaction: the COPY path stages rows in the session). */
export async function writePage(trx: Executor, input: WritePageInput): Promise<WritePageResult> {
  const { table } = input;
  const rows = prepareRows(table, input.rows);
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0, distinct: 0, keys: [], changed: [] };
  const changed = await input.path.mergeRows(trx, table, rows, {
    runId: input.runId,
    syncedAt: input.syncedAt,
  });
  const inserted = changed.filter((row) => row.inserted).length;
  if (changed.length > 0) {
    await replaceChildren(trx, input.path, input, changed);
    await input.onChanged?.(trx, table, changed);
  }
  return {
    inserted,
    updated: changed.length - inserted,
    unchanged: rows.length - changed.length,
    distinct: rows.length,
    keys: rows.map((row) => row.key),
    changed,
  };
}
