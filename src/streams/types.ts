/**
 * What a stream is: one SEI list endpoint declared as data (path, body, key, cursor, normalizer,
 * target tables). The engine in src/sync/ walks, normalizes and upserts any stream the same way.
 */
import type { HasNextSemantics, ListFilter, PageSizeParam, SeiRecord, SortSpec } from '../sei/types.js';
import type { FieldNotes } from './field-notes.js';

export const STREAM_NAMES = [
  'integrations',
  'jira_issues',
  'workitems',
  'scm_pull_requests',
  'scm_commits',
  'cicd_job_runs',
  'org_users',
  'org_units',
  'collection_categories',
] as const;
export type StreamName = (typeof STREAM_NAMES)[number];

/** PostgreSQL types the normalizers produce values for. */
export type ColumnType =
  | 'text'
  | 'integer'
  | 'bigint'
  | 'double precision'
  | 'boolean'
  | 'timestamptz'
  | 'text[]'
  | 'jsonb';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** Key columns and `raw` are NOT NULL; everything else is nullable because SEI omits nulls. */
  readonly notNull?: boolean;
}

/**
 * A target table. `columns` are the typed columns the normalizer fills (key columns and `raw`
 * included); the engine adds the bookkeeping columns (`first_seen_at`, `last_synced_at`, `run_id`,
 * `deleted_at`, `row_hash`) itself.
 */
export interface TableSpec {
  readonly schema: 'sei';
  readonly name: string;
  readonly key: readonly string[];
  readonly columns: readonly ColumnSpec[];
}

/**
 * A child table whose rows belong to one parent row (Jira status and assignee histories). When a
 * parent changes, all its child rows are replaced in the same transaction.
 */
export interface ChildTableSpec {
  readonly schema: 'sei';
  readonly name: string;
  /** Columns holding the parent's key, in the order of the parent table's `key`. */
  readonly parentKey: readonly string[];
  readonly columns: readonly ColumnSpec[];
}

/** A normalized row: column name to value (Date for timestamptz, number, string, string[], object). */
export type Row = Record<string, unknown>;

export type NormalizeResult =
  | { readonly ok: true; readonly row: Row; readonly children: Readonly<Record<string, readonly Row[]>> }
  | { readonly ok: false; readonly reason: string };

interface StreamBase {
  readonly name: StreamName;
  /** Relative to the base URL, e.g. `/v1/jira_issues/list`. */
  readonly path: string;
  /** Explicit sort, so that offset paging is stable. */
  readonly sort: readonly SortSpec[];
  readonly pageSizeParam: PageSizeParam;
  /** Largest page the endpoint accepts, when it has a cap (Jira: 10000). */
  readonly maxPageSize?: number;
  readonly hasNext: HasNextSemantics;
  /** Filter sent on every request of this stream (besides the incremental window). */
  readonly baseFilter?: ListFilter;
  readonly table: TableSpec;
  readonly children: readonly ChildTableSpec[];
  /**
   * The natural key of a raw record as one string (for duplicate detection while walking), or
   * undefined when the record has none (it is then rejected by `normalize`).
   */
  recordKey(record: SeiRecord): string | undefined;
  /**
   * Pure: record in, row and child rows out, or the reason it cannot be stored; what it had to change
   * goes to `notes`. Called through `normalizeRecord` (./normalize-record.ts), which first makes the
   * record's strings and nesting storable, so this only sees storable JSON.
   */
  normalize(record: SeiRecord, notes: FieldNotes): NormalizeResult;
}

/** Walked with a time window `[cursor - lookback, run start)` on `cursor.filterField`. */
export interface IncrementalStream extends StreamBase {
  readonly mode: 'incremental';
  readonly cursor: {
    /** Filter field in the request body, taking `{"$gt": s, "$lt": s}` in epoch seconds. */
    readonly filterField: string;
    /** Column of the normalized row that holds the same instant (a Date), to advance the cursor. */
    readonly column: string;
  };
}

/** Walked completely each run; rows a complete walk no longer returns are marked deleted. */
export interface FullRefreshStream extends StreamBase {
  readonly mode: 'full_refresh';
}

export type StreamDefinition = IncrementalStream | FullRefreshStream;
