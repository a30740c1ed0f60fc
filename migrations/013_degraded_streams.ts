/**
 * Streams that end without the proof the walk was meant to give (issue 21). A walk that fell back to
 * reading the whole list keeps its reason on the checkpoint until it completes; an endpoint this SEI
 * does not serve (404 while the other lists answer) is remembered, so it is asked again only daily.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE sei_sync.checkpoints ADD COLUMN walk_degraded text`.execute(db);
  await sql`
    CREATE TABLE sei_sync.unavailable_endpoints (
      stream text PRIMARY KEY,
      path text NOT NULL,
      since timestamptz NOT NULL DEFAULT now(),
      checked_at timestamptz NOT NULL DEFAULT now(),
      message text NOT NULL
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE sei_sync.unavailable_endpoints`.execute(db);
  await sql`ALTER TABLE sei_sync.checkpoints DROP COLUMN walk_degraded`.execute(db);
}
