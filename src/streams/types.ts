/**
 * What a stream is: one SEI list endpoint declared as data (path, body, key, cursor, normalizer,
 * target tables). The engine in src/sync/ walks, normalizes and upserts any stream the same way.
 */
import type {
  HasNextSemantics,
  ListFilter,
  PageSizeParam,
  SeiRecord,
  SortSpec,
} from '../extract/sei/types.js';
import type { FieldNotes } from '../normalize/field-notes.js';

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
  'jira_sprints',
  'jira_fields',
  'jira_projects',
  'workitem_sprints',
  'user_identities',
  'scm_issues',
  'cicd_job_run_tests',
  'cicd_instances',
  'cicd_jobs',
  'pagerduty_incidents',
  'pagerduty_alerts',
  'products',
  'workflow_profiles',
] as const;
/** An SEI 1.0 list stream. */
export type StreamName = (typeof STREAM_NAMES)[number];

/**
 * Snapshots of what SEI computes per collection (DORA) and of its contributor licence counts: not
 * lists of records but answers read whole on each run (src/dora/). Not in the default set: each costs
 * requests per collection, so a run names them (`--streams`, SEI_STREAMS, a schedule).
 */
export const DORA_STREAM_NAMES = [
  'dora_buckets',
  'dora_snapshots',
  'dora_drilldown',
  'sei_contributors',
] as const;
export type DoraStreamName = (typeof DORA_STREAM_NAMES)[number];

/**
 * The SEI 2.0 ("AI DLC Insights") streams: the org structure, then one per export type. Run when
 * 2.0 is configured (src/v2/, docs/sei-v2.md).
 */
export const V2_STREAM_NAMES = [
  'v2_org',
  'v2_efficiency',
  'v2_productivity',
  'v2_sprint',
  'v2_business_alignment',
  'v2_time_in_status',
] as const;
export type V2StreamName = (typeof V2_STREAM_NAMES)[number];

/** Every stream a run may name: 1.0 lists, DORA snapshots and 2.0 exports. */
export const ALL_STREAM_NAMES = [...STREAM_NAMES, ...DORA_STREAM_NAMES, ...V2_STREAM_NAMES] as const;
export type AnyStreamName = StreamName | DoraStreamName | V2StreamName;

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

/**
 * A normalized row: column name to value (for timestamptz epoch milliseconds, `EpochMs` of
 * ../normalize/convert.ts, or a Date; number, string, string[], object).
 */
export type Row = Record<string, unknown>;

export type NormalizeResult =
  | { readonly ok: true; readonly row: Row; readonly children: Readonly<Record<string, readonly Row[]>> }
  | { readonly ok: false; readonly reason: string };

/**
 * A time-range filter as the endpoint's server code parses it (see README, "SEI API notes"): three
 * parsers exist, and no single encoding of `{"$gt": .., "$lt": ..}` works everywhere.
 */
export interface RangeFilter {
  /** Filter key in the request body, in epoch seconds. */
  readonly field: string;
  /**
   * JSON type of the bounds: CI/CD reads a `Map<String,String>` (a number is a ClassCastException,
   * HTTP 500), integrations a `Map<String,Integer>` (a string is one); the others take either.
   */
  readonly boundType: 'number' | 'string';
  /** CI/CD reads `$gt`/`$lt` as `>=`/`<=`; every other endpoint as `>`/`<`. */
  readonly inclusive: boolean;
}

/**
 * The field an incremental stream is walked by, as a keyset: ask page 0 of `[from, to)` sorted by it,
 * continue from the last value seen. It must be filterable by range, sortable (or always sorted) on
 * the server, and present in the record.
 */
export interface KeysetCursor {
  readonly filter: RangeFilter;
  /** The record field holding the same instant. */
  readonly recordField: string;
  /** Unit of `recordField` in records (CI/CD runs carry ms, although their filters take seconds). */
  readonly recordUnit: 's' | 'ms';
  /** Column of the normalized row that holds the instant. */
  readonly column: string;
  /**
   * The order the server returns a window in: `asc` when it honours our ascending `sort` on the field
   * (or always sorts ascending by it), `desc` when it ignores the sort and always sorts descending by
   * it (integrations). The walk narrows the window from the matching end.
   */
  readonly serverOrder: 'asc' | 'desc';
}

interface StreamBase {
  readonly name: StreamName | DoraStreamName;
  /** Relative to the base URL, e.g. `/v1/jira_issues/list`. */
  readonly path: string;
  /**
   * Routes tried in order after `path` answers 404, when the documented route and the server's code
   * disagree (collection categories); the one that answers is remembered.
   */
  readonly alternativePaths?: readonly string[];
  /** Sent on every request; where the server honours it, it is the order the walk relies on. */
  readonly sort: readonly SortSpec[];
  readonly pageSizeParam: PageSizeParam;
  /** Largest page the endpoint accepts, when it has a cap (Jira: 10000). */
  readonly maxPageSize?: number;
  readonly hasNext: HasNextSemantics;
  /**
   * What `_metadata.total_count` counts: the whole filtered list (`total`, the default), or only the
   * records of the page answered (`page`: collection categories always, org units under Harness ACL).
   * `verify` counts an endpoint whose count is the page's by reading it and counting distinct keys.
   */
  readonly totalCount?: 'total' | 'page';
  /** Filter sent on every request of this stream (besides the time range). */
  readonly baseFilter?: ListFilter;
  /**
   * The endpoint filters by `integration_ids`, and rows name their integration in this column: a sync
   * limited to some integrations (SEI_INTEGRATION_IDS) sends them, and decides deletions only among them.
   */
  readonly integrationColumn?: string;
  /**
   * The endpoint serves from the database or from Elasticsearch per tenant, with different filters,
   * sorts and counts (on Elasticsearch the commits' `created_at` filter is dropped, Jira counts stop at
   * 10,000): `force_source=db` asks for the database path (SEI_FORCE_SOURCE_DB turns it off).
   */
  readonly forceDatabaseSource?: boolean;
  /** Top-level body fields sent on every request (CI/CD: a non-time `across`). */
  readonly extraBody?: Readonly<Record<string, unknown>>;
  /**
   * The record field naming the daily snapshot a record was read from (Jira, work items:
   * `ingested_at`). A walk that sees two snapshots of one integration is re-read.
   */
  readonly snapshotField?: string;
  /**
   * The record as stored, when the server fills a field with the request's own time instead of data
   * (PagerDuty alerts: `alert_acknowledged_at` is `now()` unless the alert is acknowledged): that
   * field is dropped, so an unchanged record keeps its row hash and history. Pure.
   */
  stableRecord?(record: SeiRecord): SeiRecord;
  /**
   * The endpoint fails on every request on servers built from the known code (cicd_jobs:
   * CiCdJobsService.list returns null, a 500). Its first request is then not retried on `statuses`,
   * and on one of them the rows are derived from a table already synced instead; the run's summary
   * says so. A server that answers is used as usual.
   */
  readonly fallback?: DerivedFallback;
  readonly table: TableSpec;
  readonly children: readonly ChildTableSpec[];
  /**
   * The natural key of a raw record as one string (for de-duplication while walking), or
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

/** Where a broken endpoint's rows come from instead (see `StreamBase.fallback`). */
export interface DerivedFallback {
  /** HTTP statuses that mean "broken as known" (not retried on the first request). */
  readonly statuses: readonly number[];
  /** One line for the summary: what is broken on the server. */
  readonly reason: string;
  /** The stream whose table the rows are derived from. */
  readonly from: StreamName;
  /**
   * A query over the warehouse giving one row per record, in one column `record` (jsonb) shaped like
   * what the endpoint would serve, so the normalizer, history and deletions work as for API records.
   */
  readonly sql: string;
}

/**
 * Walked by time: a keyset on `cursor` over `[cursor - lookback, run start)`, split into slices.
 * A walk with no lower bound (the first one, or a full refresh) also decides deletions: SEI drops
 * deleted records from its lists without a tombstone.
 */
export interface IncrementalStream extends StreamBase {
  readonly name: StreamName;
  readonly mode: 'incremental';
  readonly cursor: KeysetCursor;
}

/** No time filter: the whole list is taken until two reads agree; rows it no longer returns are marked deleted. */
export interface FullRefreshStream extends StreamBase {
  readonly name: StreamName;
  readonly mode: 'full_refresh';
}

/** An SEI 1.0 list stream. */
export type StreamDefinition = IncrementalStream | FullRefreshStream;

/** Which SEI answer a DORA stream snapshots (src/dora/). */
export type DoraSnapshotKind = 'buckets' | 'snapshots' | 'drilldown' | 'contributors';

/**
 * Read whole on each run, per collection with a workflow profile (from `sei.org_units`), one request
 * per collection and metric, or once for the tenant (contributors): SEI's computed answers, not a
 * list. Rows are upserted by their key (history shows a restated bucket); nothing is marked deleted.
 */
export interface DoraSnapshotStream extends StreamBase {
  readonly name: DoraStreamName;
  readonly mode: 'dora_snapshot';
  readonly snapshot: DoraSnapshotKind;
  /**
   * The streams whose tables the walk reads (collections, their profiles): a run that syncs them too
   * waits for them, as for a derived stream's source.
   */
  readonly dependsOn: readonly StreamName[];
}

/**
 * A stream whose records are normalized and loaded into a `sei` entity table (upserts, history): the
 * 1.0 lists and the DORA snapshots.
 */
export type EntityStreamDefinition = StreamDefinition | DoraSnapshotStream;

/** What an SEI 2.0 stream loads: the org structure, or the jobs of one export type. */
export type V2StreamSpec =
  | { readonly kind: 'org' }
  | {
      readonly kind: 'export';
      /** As in `POST /v2/insights/<type>/exports`. */
      readonly exportType: 'efficiency' | 'productivity' | 'sprint' | 'ba' | 'ticket-data';
    };

/**
 * An SEI 2.0 stream: no list to walk, but jobs to run and files to load, all in one step
 * (src/v2/walker.ts). Its rows go to schema `sei_v2` (migration 014).
 */
export interface V2Stream {
  readonly name: V2StreamName;
  readonly mode: 'v2';
  readonly v2: V2StreamSpec;
}

/** Any stream the engine runs; its `mode` chooses its walker (src/sync/walkers/index.ts). */
export type AnyStreamDefinition = StreamDefinition | DoraSnapshotStream | V2Stream;
export type StreamMode = AnyStreamDefinition['mode'];
/** The modes of SEI 1.0 list streams: the ones verify and renormalize read. */
export type ListStreamMode = StreamDefinition['mode'];
/** The declaration type of the streams of one mode. */
export type StreamOfMode<M extends StreamMode> = Extract<AnyStreamDefinition, { readonly mode: M }>;
