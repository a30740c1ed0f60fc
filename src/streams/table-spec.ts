/**
 * Helpers to declare the `sei` tables, and the bookkeeping columns the migration adds to them beside
 * the typed columns of a TableSpec (the engine, not the normalizers, fills those).
 */
import type { ColumnSpec, ColumnType } from './types.js';

export function column(name: string, type: ColumnType): ColumnSpec {
  return { name, type };
}

export function keyColumn(name: string, type: ColumnType = 'text'): ColumnSpec {
  return { name, type, notNull: true };
}

/** The untouched record, on every entity table. */
export const RAW_COLUMN: ColumnSpec = { name: 'raw', type: 'jsonb', notNull: true };

/** A column the engine maintains; `type` is the PostgreSQL type as `format_type` prints it. */
export interface BookkeepingColumn {
  readonly name: string;
  readonly type: 'timestamp with time zone' | 'uuid' | 'text';
  readonly notNull: boolean;
  /** True when the column has a default (`now()`), so an insert may leave it out. */
  readonly hasDefault: boolean;
}

/**
 * On every entity table: `first_seen_at`/`last_synced_at` default to `now()`, `run_id` is the
 * `sei_sync.runs` id of the run that last wrote the row, `deleted_at` is set when a complete
 * full-refresh walk no longer returns the row, `row_hash` lets the upsert skip unchanged rows.
 */
export const ENTITY_BOOKKEEPING_COLUMNS: readonly BookkeepingColumn[] = [
  { name: 'first_seen_at', type: 'timestamp with time zone', notNull: true, hasDefault: true },
  { name: 'last_synced_at', type: 'timestamp with time zone', notNull: true, hasDefault: true },
  { name: 'run_id', type: 'uuid', notNull: false, hasDefault: false },
  { name: 'deleted_at', type: 'timestamp with time zone', notNull: false, hasDefault: false },
  { name: 'row_hash', type: 'text', notNull: true, hasDefault: false },
];

/** Child rows are replaced with their parent, so they only record the run that wrote them. */
export const CHILD_BOOKKEEPING_COLUMNS: readonly BookkeepingColumn[] = [
  { name: 'run_id', type: 'uuid', notNull: false, hasDefault: false },
];

/** Position of a child row in its parent's list (0-based); with the parent key, the child's primary key. */
export const ORDINAL_COLUMN: ColumnSpec = { name: 'ordinal', type: 'integer', notNull: true };
