/**
 * A deleting walk need not note the keys of the rows it inserts (issue 24: on a first sync, every row,
 * and ~8% of PostgreSQL's CPU). `walk_pass_started_at` is PostgreSQL's `now()` when the walk's current
 * read began (planned, or read again from its start): a page that inserts rows after it does not
 * note their keys, and the walk's deletion step keeps every row first seen after it
 * (src/load/deletes.ts). Null for a walk planned before this migration: it notes every key, as before.
 * (`walk_started_at`, from 002, holds the process's clock and is not used for this.)
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE sei_sync.checkpoints ADD COLUMN walk_pass_started_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE sei_sync.checkpoints DROP COLUMN IF EXISTS walk_pass_started_at`.execute(db);
}
