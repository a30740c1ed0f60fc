/**
 * Runs a migration's statements in one round trip: a `DO` block holding them in order. Each would
 * otherwise be its own query (PGlite's extended protocol takes one statement at a time), and a
 * migration of a hundred DDL statements then spends most of its time waiting for answers; every test
 * database migrates from scratch. The statements are the frozen SQL as written, unchanged.
 */
import { type Kysely, sql } from 'kysely';

/** The dollar-quote tag of the block; no statement may contain it. */
const TAG = '$migration_block$';

export async function runStatements(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  if (statements.some((statement) => statement.includes(TAG)))
    throw new Error(`a migration statement contains ${TAG}`);
  await sql
    .raw(`DO ${TAG} BEGIN\n${statements.map((statement) => `${statement};`).join('\n')}\nEND ${TAG}`)
    .execute(db);
}
