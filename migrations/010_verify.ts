/**
 * What `sei-sync verify` finds (src/verify/), kept for `status`, `/metrics` and people:
 *
 * - `sei_sync.verify_streams`: one row per verify run and stream: its outcome (`clean`, `differs`,
 *   `skipped`, `failed`), how it counted (`total_count`, or `distinct_keys` where the server's count
 *   cannot be trusted), the field and range compared, bucket totals by outcome, requests, what a heal
 *   did (jsonb), notes and the error. The run itself is a `sei_sync.runs` row with trigger `verify`.
 * - `sei_sync.verify_buckets`: one row per bucket of that stream: its range (NULL for a whole list),
 *   the server's and the warehouse's counts (`moved`: warehouse rows whose record changed on the
 *   server since the last sync), the outcome (`equal`, `differs`, `healed`), the counts before a heal,
 *   and for a bucket still differing a sample of the keys each side holds alone.
 * - `sei_bi.data_freshness` counts syncs only: verify runs move no cursor (same columns, same order).
 *
 * Frozen SQL, one statement per query (PGlite's extended protocol).
 */
import { type Kysely, sql } from 'kysely';
import { FRESHNESS_COMMENT, freshnessView, RUN_COLUMNS, SYNC_RUNS_ONLY } from './007_renormalize.js';

/** Stream runs of syncs only (exported for migration 011, which lists more streams). */
export const SYNC_RUNS_NOT_VERIFY = `sync_runs AS (
  SELECT ${RUN_COLUMNS} FROM sei_sync.stream_runs r JOIN sei_sync.runs run ON run.id = r.run_id
  WHERE run.trigger NOT IN ('renormalize', 'verify')
), `;

const comment = (text: string) => text.replaceAll("'", "''");

const UP: readonly string[] = [
  `CREATE TABLE sei_sync.verify_streams (
  run_id uuid NOT NULL REFERENCES sei_sync.runs (id) ON DELETE CASCADE,
  stream text NOT NULL,
  status text NOT NULL CHECK (status IN ('clean', 'differs', 'skipped', 'failed')),
  heal boolean NOT NULL,
  method text NOT NULL CHECK (method IN ('total_count', 'distinct_keys')),
  field text,
  range_from timestamptz,
  range_to timestamptz,
  buckets integer NOT NULL,
  equal integer NOT NULL,
  differing integer NOT NULL,
  healed integer NOT NULL,
  server_total bigint NOT NULL,
  warehouse_total bigint NOT NULL,
  requests integer NOT NULL,
  heal_summary jsonb,
  notes text[] NOT NULL DEFAULT '{}',
  error_code text,
  error text,
  verified_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, stream)
)`,
  'CREATE INDEX verify_streams_stream_idx ON sei_sync.verify_streams (stream, verified_at DESC)',
  `COMMENT ON TABLE sei_sync.verify_streams IS '${comment('One row per verify run and stream: outcome, how buckets were counted, the range compared (up to the stream cursor), buckets by outcome, requests, what a heal did. The run is a sei_sync.runs row with trigger verify.')}'`,
  `CREATE TABLE sei_sync.verify_buckets (
  run_id uuid NOT NULL,
  stream text NOT NULL,
  bucket_no integer NOT NULL,
  range_from timestamptz,
  range_to timestamptz,
  method text NOT NULL CHECK (method IN ('total_count', 'distinct_keys')),
  server_count bigint NOT NULL,
  warehouse_count bigint NOT NULL,
  moved bigint NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('equal', 'differs', 'healed')),
  server_before bigint,
  warehouse_before bigint,
  moved_before bigint,
  missing_keys text[],
  extra_keys text[],
  rejected integer,
  PRIMARY KEY (run_id, stream, bucket_no),
  FOREIGN KEY (run_id, stream) REFERENCES sei_sync.verify_streams (run_id, stream) ON DELETE CASCADE
)`,
  `COMMENT ON TABLE sei_sync.verify_buckets IS '${comment('One row per bucket of a verified stream: [range_from, range_to) (NULL for a whole list), the server count and the warehouse count of live rows by the same field and bounds, rows moved past the cursor since the last sync, the outcome, the counts before a heal, and keys sampled where it still differs.')}'`,
  freshnessView(SYNC_RUNS_NOT_VERIFY, 'sync_runs'),
  `COMMENT ON VIEW sei_bi.data_freshness IS '${comment(`${FRESHNESS_COMMENT} Syncs only: renormalize and verify runs are not counted.`)}'`,
];

const DOWN: readonly string[] = [
  freshnessView(SYNC_RUNS_ONLY, 'sync_runs'),
  `COMMENT ON VIEW sei_bi.data_freshness IS '${comment(`${FRESHNESS_COMMENT} Syncs only: renormalize runs (trigger renormalize) call no API and are not counted.`)}'`,
  'DROP TABLE IF EXISTS sei_sync.verify_buckets',
  'DROP TABLE IF EXISTS sei_sync.verify_streams',
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
