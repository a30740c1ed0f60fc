/**
 * What `sei-sync renormalize` needs (src/renormalize/renormalize.ts):
 *
 * - `sei_sync.renormalize_checkpoints`: one row per stream while a renormalize pass over its table is
 *   under way: the key of the last row re-derived (`after_key`, the key columns as text in key order;
 *   NULL before the first batch), written in the same transaction as the batch, so a killed pass
 *   resumes after the last committed batch. The row is deleted when the pass completes.
 * - `sei_bi.data_freshness` counts syncs only: a renormalize is recorded in the run ledger like a
 *   sync (trigger `renormalize`), but it reads no API, so it says nothing about how fresh the data is.
 *   Same columns, in the same order (CREATE OR REPLACE VIEW); `down` restores 004's definition.
 *
 * Frozen SQL, one statement per query (PGlite's extended protocol). Migration 010 rebuilds the view
 * from the pieces exported here (which must therefore never change).
 */
import { type Kysely, sql } from 'kysely';

/** The streams `data_freshness` always lists, frozen as of migration 004. Exported for migration 011. */
export const STREAMS = [
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

/**
 * The stream-run columns the view reads. Named, not `r.*`: a view over `r.*` depends on every column
 * of `stream_runs`, and a later migration could then not drop one it added (005's `slices`, on down).
 */
export const RUN_COLUMNS =
  'r.run_id, r.stream, r.status, r.started_at, r.finished_at, r.records, r.inserted, r.updated, r.deleted, r.rejected, r.error_code, r.error';

/**
 * `data_freshness` as migration 004 wrote it, reading stream runs from `runs` (a table or a CTE) and
 * always listing `streams`. Exported for migration 011 (the streams of 008 are listed too).
 */
export function freshnessView(runsCte: string, runs: string, streams: readonly string[] = STREAMS): string {
  return `CREATE OR REPLACE VIEW sei_bi.data_freshness AS
WITH ${runsCte}streams (stream) AS (
  SELECT s FROM unnest(ARRAY[${streams.map((name) => `'${name}'`).join(', ')}]) AS s
  UNION SELECT stream FROM sei_sync.stream_runs
  UNION SELECT stream FROM sei_sync.checkpoints
), latest AS (
  SELECT DISTINCT ON (r.stream) ${RUN_COLUMNS} FROM ${runs} r ORDER BY r.stream, r.started_at DESC, r.run_id
), success AS (
  SELECT r.stream, max(r.finished_at) AS last_success_at, count(*) AS successful_runs
  FROM ${runs} r WHERE r.status = 'succeeded' GROUP BY r.stream
)
SELECT s.stream,
  ok.last_success_at,
  round(extract(epoch FROM now() - ok.last_success_at) / 3600, 2) AS hours_since_success,
  coalesce(ok.successful_runs, 0) AS successful_runs,
  l.run_id AS last_run_id, l.status AS last_status, l.started_at AS last_started_at, l.finished_at AS last_finished_at,
  l.records AS last_records, l.inserted AS last_inserted, l.updated AS last_updated, l.deleted AS last_deleted,
  l.rejected AS last_rejected, l.error_code AS last_error_code, l.error AS last_error,
  c.cursor AS checkpoint_cursor, c.last_complete_walk_at, c.walk_id IS NOT NULL AS walk_in_progress,
  c.next_page AS walk_next_page
FROM streams s
LEFT JOIN latest l ON l.stream = s.stream
LEFT JOIN success ok ON ok.stream = s.stream
LEFT JOIN sei_sync.checkpoints c ON c.stream = s.stream`;
}

/** Exported for migration 011. */
export const SYNC_RUNS_ONLY = `sync_runs AS (
  SELECT ${RUN_COLUMNS} FROM sei_sync.stream_runs r JOIN sei_sync.runs run ON run.id = r.run_id
  WHERE run.trigger <> 'renormalize'
), `;

export const FRESHNESS_COMMENT =
  'One row per stream: its last successful sync (finished_at of the latest succeeded stream run) and the hours since, the latest stream run (status, counts, error), and the checkpoint (incremental cursor, last complete walk, walk in progress). Streams never synced appear with NULLs.';

const UP: readonly string[] = [
  `CREATE TABLE sei_sync.renormalize_checkpoints (
  stream text PRIMARY KEY,
  run_id uuid NOT NULL,
  after_key text[],
  rows_done bigint NOT NULL DEFAULT 0,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
)`,
  `COMMENT ON TABLE sei_sync.renormalize_checkpoints IS 'Renormalize passes under way: the key after which the pass over the stream''s table resumes (NULL: from the first row). Deleted when the pass completes.'`,
  freshnessView(SYNC_RUNS_ONLY, 'sync_runs'),
  `COMMENT ON VIEW sei_bi.data_freshness IS '${`${FRESHNESS_COMMENT} Syncs only: renormalize runs (trigger renormalize) call no API and are not counted.`.replaceAll("'", "''")}'`,
];

const DOWN: readonly string[] = [
  freshnessView('', 'sei_sync.stream_runs'),
  `COMMENT ON VIEW sei_bi.data_freshness IS '${FRESHNESS_COMMENT.replaceAll("'", "''")}'`,
  'DROP TABLE IF EXISTS sei_sync.renormalize_checkpoints',
];

async function runAll(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's Migration interface declares
export async function up(db: Kysely<any>): Promise<void> {
  await runAll(db, UP);
}

// biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's Migration interface declares
export async function down(db: Kysely<any>): Promise<void> {
  await runAll(db, DOWN);
}
