/**
 * Walking by time (keyset) in slices, possibly spread over several workers:
 * - `sei_sync.walk_slices`: one row per time slice of a walk, with its own resume point, so any worker
 *   can walk any slice and a killed one loses at most the pages it had in flight;
 * - `sei_sync.walk_snapshots`: the daily snapshots (`ingested_at`) a walk saw per integration, to
 *   re-read a walk whose pages came from two snapshots;
 * - checkpoints: which walk is in progress, whether it decides deletions, its heal pass, the scope
 *   (backfill horizon, integration selection) of the walk and of the cursor, and the route an endpoint
 *   answered on (collection categories);
 * - `sei.scm_commits.created_at`: the commits' new cursor (the ingest time). `renormalize` fills it for
 *   rows synced before this migration; their raw record has it.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE sei_sync.walk_slices (
      walk_id uuid NOT NULL,
      slice_no integer NOT NULL,
      stream text NOT NULL,
      range_from bigint NOT NULL,
      range_to bigint NOT NULL,
      resume_at bigint NOT NULL,
      estimated_records bigint,
      pages integer NOT NULL DEFAULT 0,
      records bigint NOT NULL DEFAULT 0,
      done_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (walk_id, slice_no)
    )`.execute(db);
  await sql`
    CREATE TABLE sei_sync.walk_snapshots (
      walk_id uuid NOT NULL,
      integration_id text NOT NULL,
      snapshot bigint NOT NULL,
      PRIMARY KEY (walk_id, integration_id, snapshot)
    )`.execute(db);
  await sql`
    ALTER TABLE sei_sync.checkpoints
      ADD COLUMN walk_decides_deletions boolean NOT NULL DEFAULT false,
      ADD COLUMN walk_pass integer NOT NULL DEFAULT 0,
      ADD COLUMN walk_scope jsonb,
      ADD COLUMN cursor_scope jsonb,
      ADD COLUMN endpoint_path text`.execute(db);
  await sql`ALTER TABLE sei_sync.stream_runs ADD COLUMN slices integer NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE sei.scm_commits ADD COLUMN created_at timestamptz`.execute(db);
  await sql`CREATE INDEX scm_commits_created_at_idx ON sei.scm_commits (created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS sei.scm_commits_created_at_idx`.execute(db);
  await sql`ALTER TABLE sei.scm_commits DROP COLUMN IF EXISTS created_at`.execute(db);
  await sql`ALTER TABLE sei_sync.stream_runs DROP COLUMN IF EXISTS slices`.execute(db);
  await sql`
    ALTER TABLE sei_sync.checkpoints
      DROP COLUMN IF EXISTS walk_decides_deletions,
      DROP COLUMN IF EXISTS walk_pass,
      DROP COLUMN IF EXISTS walk_scope,
      DROP COLUMN IF EXISTS cursor_scope,
      DROP COLUMN IF EXISTS endpoint_path`.execute(db);
  await sql`DROP TABLE IF EXISTS sei_sync.walk_snapshots`.execute(db);
  await sql`DROP TABLE IF EXISTS sei_sync.walk_slices`.execute(db);
}
