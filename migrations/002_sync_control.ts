/** The control schema: run ledger, checkpoints (with the stream lease), rejects, keys seen by a walk. */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS sei_sync`.execute(db);
  await sql`
    CREATE TABLE sei_sync.runs (
      id uuid PRIMARY KEY,
      trigger text NOT NULL,
      full_refresh boolean NOT NULL DEFAULT false,
      streams text[] NOT NULL,
      status text NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      error text
    )`.execute(db);
  await sql`CREATE INDEX runs_started_at_idx ON sei_sync.runs (started_at DESC)`.execute(db);
  await sql`
    CREATE TABLE sei_sync.stream_runs (
      run_id uuid NOT NULL REFERENCES sei_sync.runs (id) ON DELETE CASCADE,
      stream text NOT NULL,
      status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'not_run')),
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      pages integer NOT NULL DEFAULT 0,
      records bigint NOT NULL DEFAULT 0,
      inserted bigint NOT NULL DEFAULT 0,
      updated bigint NOT NULL DEFAULT 0,
      unchanged bigint NOT NULL DEFAULT 0,
      deleted bigint NOT NULL DEFAULT 0,
      rejected bigint NOT NULL DEFAULT 0,
      requests integer NOT NULL DEFAULT 0,
      retries integer NOT NULL DEFAULT 0,
      rate_limited integer NOT NULL DEFAULT 0,
      error_code text,
      error text,
      summary jsonb,
      PRIMARY KEY (run_id, stream)
    )`.execute(db);
  await sql`CREATE INDEX stream_runs_stream_idx ON sei_sync.stream_runs (stream, started_at DESC)`.execute(
    db,
  );
  await sql`
    CREATE TABLE sei_sync.checkpoints (
      stream text PRIMARY KEY,
      cursor timestamptz,
      window_start timestamptz,
      window_end timestamptz,
      next_page integer,
      walk_id uuid,
      walk_run_id uuid,
      walk_started_at timestamptz,
      last_complete_walk_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE sei_sync.rejects (
      id bigserial PRIMARY KEY,
      run_id uuid,
      stream text NOT NULL,
      record_key text,
      reason text NOT NULL,
      raw jsonb,
      rejected_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX rejects_stream_idx ON sei_sync.rejects (stream, rejected_at DESC)`.execute(db);
  // Keys a full-refresh walk has seen, so that rows it no longer returns can be marked deleted without
  // rewriting every unchanged row just to say "seen". Emptied when the walk completes.
  await sql`
    CREATE TABLE sei_sync.walk_keys (
      walk_id uuid NOT NULL,
      key text NOT NULL,
      PRIMARY KEY (walk_id, key)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The schema stays: it also holds Kysely's own migration tables.
  for (const table of ['walk_keys', 'rejects', 'checkpoints', 'stream_runs', 'runs']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(`sei_sync.${table}`)}`.execute(db);
  }
}
