/**
 * Runs that end without closing themselves. A run stopped on request (SIGINT, SIGTERM, a worker's
 * shutdown) is `interrupted`, not `failed`: its streams resume where they stopped. An in-process run
 * records its owner (host, pid) and a heartbeat, so that a run whose process was killed (kill -9, a
 * lost machine) can be told from one still going, shown as interrupted and closed by the next run.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sei_sync.runs
      ADD COLUMN owner_host text,
      ADD COLUMN owner_pid integer,
      ADD COLUMN heartbeat_at timestamptz,
      DROP CONSTRAINT runs_status_check,
      ADD CONSTRAINT runs_status_check
        CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'interrupted'))`.execute(db);
  await sql`
    ALTER TABLE sei_sync.stream_runs
      DROP CONSTRAINT stream_runs_status_check,
      ADD CONSTRAINT stream_runs_status_check
        CHECK (status IN ('running', 'succeeded', 'failed', 'not_run', 'interrupted'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE sei_sync.stream_runs SET status = 'failed' WHERE status = 'interrupted'`.execute(db);
  await sql`UPDATE sei_sync.runs SET status = 'failed' WHERE status = 'interrupted'`.execute(db);
  await sql`
    ALTER TABLE sei_sync.stream_runs
      DROP CONSTRAINT stream_runs_status_check,
      ADD CONSTRAINT stream_runs_status_check
        CHECK (status IN ('running', 'succeeded', 'failed', 'not_run'))`.execute(db);
  await sql`
    ALTER TABLE sei_sync.runs
      DROP COLUMN owner_host,
      DROP COLUMN owner_pid,
      DROP COLUMN heartbeat_at,
      DROP CONSTRAINT runs_status_check,
      ADD CONSTRAINT runs_status_check CHECK (status IN ('running', 'succeeded', 'partial', 'failed'))`.execute(
    db,
  );
}
