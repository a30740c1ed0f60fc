/**
 * Work stealing in keyset walks (src/sync/work-stealing.ts): a slice knows who walks it and how much is
 * left, so a walker that finished its own slice can split a running one and take its far part.
 *
 * - `claimed_by`, `claimed_at`: the walker that started the slice. A thief only splits a claimed slice:
 *   an unclaimed one is still waiting for its own walker (a queued job, a semaphore slot).
 * - `remaining_records`: the server's count of what is still to read, as of the last committed page
 *   (each keyset request answers with its window's count), so a thief knows where the work is.
 * - `split_from`: the slice whose far part this slice was (null for planned slices).
 * - `stealing_since`: a thief is choosing where to split this slice (one count away): other thieves
 *   look elsewhere instead of counting the same window.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sei_sync.walk_slices
      ADD COLUMN claimed_by text,
      ADD COLUMN claimed_at timestamptz,
      ADD COLUMN remaining_records bigint,
      ADD COLUMN split_from integer,
      ADD COLUMN stealing_since timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sei_sync.walk_slices
      DROP COLUMN IF EXISTS claimed_by,
      DROP COLUMN IF EXISTS claimed_at,
      DROP COLUMN IF EXISTS remaining_records,
      DROP COLUMN IF EXISTS split_from,
      DROP COLUMN IF EXISTS stealing_since`.execute(db);
}
