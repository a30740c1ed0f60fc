/**
 * How far a slice's walker reads ahead of its last committed page (issue 24, the tail of a walk): the
 * pages it held past that page when it committed (its write queue, and the request in flight). A thief
 * leaves the victim those pages and may take the rest; without it a thief assumed the most a walker can
 * hold (its write depth + 1), and no slice with fewer than five pages left was ever shared. A claim
 * sets 1 (the walker's first request); null while no walker holds the slice.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE sei_sync.walk_slices ADD COLUMN pages_ahead smallint`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE sei_sync.walk_slices DROP COLUMN IF EXISTS pages_ahead`.execute(db);
}
