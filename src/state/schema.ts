/**
 * Kysely table types of the control schema `sei_sync`. The `sei` entity tables are reached through
 * their `TableSpec`s with raw SQL (their shapes are data, declared once in src/streams/).
 */
import type { ColumnType, Generated } from 'kysely';
import type { RunStatus } from './run-types.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface RunsTable {
  id: string;
  trigger: string;
  full_refresh: boolean;
  streams: string[];
  status: RunStatus;
  started_at: ColumnType<Date, Date | string | undefined, Date | string>;
  finished_at: Timestamp | null;
  error: string | null;
  /** The host and pid of the process running it, for in-process runs (migration 012). */
  owner_host: string | null;
  owner_pid: number | null;
  heartbeat_at: Timestamp | null;
}

export interface StreamRunsTable {
  run_id: string;
  stream: string;
  status: 'running' | 'succeeded' | 'failed' | 'not_run' | 'interrupted';
  started_at: ColumnType<Date, Date | string | undefined, Date | string>;
  finished_at: Timestamp | null;
  pages: Generated<number>;
  records: Generated<number>;
  inserted: Generated<number>;
  updated: Generated<number>;
  unchanged: Generated<number>;
  deleted: Generated<number>;
  rejected: Generated<number>;
  /** Records stored with at least one value changed to be storable (migration 006). */
  sanitized: Generated<number>;
  requests: Generated<number>;
  retries: Generated<number>;
  rate_limited: Generated<number>;
  error_code: string | null;
  error: string | null;
  summary: unknown | null;
  slices: Generated<number>;
}

/** A walk's scope as stored: the backfill horizon (epoch s) and the integrations selected. */
export interface WalkScopeJson {
  from: number | null;
  integrationIds: string[] | null;
}

export interface CheckpointsTable {
  stream: string;
  cursor: Timestamp | null;
  window_start: Timestamp | null;
  window_end: Timestamp | null;
  next_page: number | null;
  walk_id: string | null;
  walk_run_id: string | null;
  walk_started_at: Timestamp | null;
  last_complete_walk_at: Timestamp | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** The walk in progress has no lower bound: when complete and clean, rows it did not see are deleted. */
  walk_decides_deletions: Generated<boolean>;
  /** 0 for the first read of the walk's slices, then one more per re-read (a snapshot switch). */
  walk_pass: Generated<number>;
  /** What the walk in progress covers (`WalkScope`, src/state/checkpoints.ts). */
  walk_scope: ColumnType<WalkScopeJson | null, string | null, string | null>;
  /** What the cursor was reached for: it counts only for a sync of the same scope. */
  cursor_scope: ColumnType<WalkScopeJson | null, string | null, string | null>;
  /** The route this stream's endpoint last answered on (when it has alternatives). */
  endpoint_path: string | null;
  /** Why the walk in progress reads the whole list instead of proving itself (migration 013). */
  walk_degraded: Generated<string | null>;
  /**
   * PostgreSQL's `now()` when the walk's current read began; rows first seen from then on were inserted
   * by it, and their keys are not noted (migration 017, src/load/deletes.ts). Null: every key is noted.
   */
  walk_pass_started_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** Endpoints this SEI does not serve (404 while other lists answer), asked again daily (migration 013). */
export interface UnavailableEndpointsTable {
  stream: string;
  path: string;
  since: Generated<Date>;
  checked_at: ColumnType<Date, Date | string | undefined, Date | string>;
  message: string;
}

export interface RejectsTable {
  id: Generated<string>;
  run_id: string | null;
  stream: string;
  record_key: string | null;
  reason: string;
  raw: unknown;
  rejected_at: ColumnType<Date, Date | string | undefined, never>;
}

/** One value a sync changed to store a record (migration 006; src/load/sanitized-values.ts). */
export interface SanitizedValuesTable {
  id: Generated<string>;
  run_id: string | null;
  stream: string;
  record_key: string | null;
  /** Path in the record as SEI sent it, e.g. `status_list[2].start_time`. */
  field: string;
  /** A `FieldAction` (src/normalize/field-notes.ts). */
  action: string;
  detail: string;
  sanitized_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface WalkKeysTable {
  walk_id: string;
  key: string;
}

/** One time slice of a keyset walk (migration 005); bounds in epoch seconds, `[range_from, range_to)`. */
export interface WalkSlicesTable {
  walk_id: string;
  slice_no: number;
  stream: string;
  range_from: number;
  range_to: number;
  /** Where the slice continues: the lower bound (ascending walks) or upper bound (descending) still to read. */
  resume_at: number;
  estimated_records: number | null;
  pages: Generated<number>;
  records: Generated<number>;
  done_at: Timestamp | null;
  updated_at: Generated<Date>;
  /** Who walks the slice, since when (migration 016): a thief splits only a claimed slice. */
  claimed_by: string | null;
  claimed_at: Timestamp | null;
  /** The server's count of what the slice has still to read, as of its last committed page. */
  remaining_records: number | null;
  /** The slice this one was split from by a thief (null for planned slices). */
  split_from: number | null;
  /** A thief is choosing where to split this slice, since then. */
  stealing_since: Timestamp | null;
  /** Pages its walker held past the last committed one when it committed, 1 when claimed (migration 018). */
  pages_ahead: number | null;
}

export interface WalkSnapshotsTable {
  walk_id: string;
  integration_id: string;
  snapshot: number;
}

/** A renormalize pass under way (migration 007). */
export interface RenormalizeCheckpointsTable {
  stream: string;
  run_id: string;
  /** Key columns of the last row done, as text in key order; NULL before the first batch. */
  after_key: string[] | null;
  rows_done: Generated<number>;
  started_at: ColumnType<Date, Date | string | undefined, Date | string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** One verified stream of a verify run (migration 010; src/verify/results.ts). */
export interface VerifyStreamsTable {
  run_id: string;
  stream: string;
  status: 'clean' | 'differs' | 'skipped' | 'failed';
  heal: boolean;
  method: 'total_count' | 'distinct_keys';
  field: string | null;
  range_from: Timestamp | null;
  range_to: Timestamp | null;
  buckets: number;
  equal: number;
  differing: number;
  healed: number;
  server_total: ColumnType<string, number, number>;
  warehouse_total: ColumnType<string, number, number>;
  requests: number;
  heal_summary: unknown | null;
  notes: string[];
  error_code: string | null;
  error: string | null;
  verified_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** One bucket of a verified stream (migration 010). */
export interface VerifyBucketsTable {
  run_id: string;
  stream: string;
  bucket_no: number;
  range_from: Timestamp | null;
  range_to: Timestamp | null;
  method: 'total_count' | 'distinct_keys';
  server_count: ColumnType<string, number, number>;
  warehouse_count: ColumnType<string, number, number>;
  moved: ColumnType<string, number, number>;
  outcome: 'equal' | 'differs' | 'healed';
  server_before: ColumnType<string | null, number | null, number | null>;
  warehouse_before: ColumnType<string | null, number | null, number | null>;
  moved_before: ColumnType<string | null, number | null, number | null>;
  missing_keys: string[] | null;
  extra_keys: string[] | null;
  rejected: number | null;
}

export interface Database {
  'sei_sync.runs': RunsTable;
  'sei_sync.stream_runs': StreamRunsTable;
  'sei_sync.checkpoints': CheckpointsTable;
  'sei_sync.rejects': RejectsTable;
  'sei_sync.sanitized_values': SanitizedValuesTable;
  'sei_sync.walk_keys': WalkKeysTable;
  'sei_sync.walk_slices': WalkSlicesTable;
  'sei_sync.walk_snapshots': WalkSnapshotsTable;
  'sei_sync.renormalize_checkpoints': RenormalizeCheckpointsTable;
  'sei_sync.verify_streams': VerifyStreamsTable;
  'sei_sync.verify_buckets': VerifyBucketsTable;
  'sei_sync.unavailable_endpoints': UnavailableEndpointsTable;
}
