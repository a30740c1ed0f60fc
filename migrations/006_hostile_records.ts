/**
 * Hostile records: what was changed to store them, and how many there were.
 *
 * - `sei_sync.sanitized_values`: one row per value a sync had to change to store a record (NUL or a
 *   lone surrogate replaced by U+FFFD, an instant in the year 33658 set to NULL, ...), written in the
 *   transaction of the page that stored the record (src/load/page-commit.ts).
 * - `sei_sync.stream_runs.sanitized`: records of the stream run stored with at least one such change.
 *
 * Frozen DDL, one statement per query (PGlite's extended protocol).
 */
import { type Kysely, sql } from 'kysely';

const UP: readonly string[] = [
  'ALTER TABLE sei_sync.stream_runs ADD COLUMN sanitized bigint NOT NULL DEFAULT 0',
  `COMMENT ON COLUMN sei_sync.stream_runs.sanitized IS 'Records stored (as a row or a reject) with at least one value changed to be storable; sei_sync.sanitized_values says which and how.'`,
  `CREATE TABLE sei_sync.sanitized_values (
  id bigserial PRIMARY KEY,
  run_id uuid,
  stream text NOT NULL,
  record_key text,
  field text NOT NULL,
  action text NOT NULL,
  detail text NOT NULL,
  sanitized_at timestamptz NOT NULL DEFAULT now()
)`,
  'CREATE INDEX sanitized_values_stream_idx ON sei_sync.sanitized_values (stream, sanitized_at DESC)',
  'CREATE INDEX sanitized_values_run_idx ON sei_sync.sanitized_values (run_id)',
  `COMMENT ON TABLE sei_sync.sanitized_values IS 'One row per value a sync changed to store a record that PostgreSQL could not hold as SEI sent it. The record itself is in its sei table (or in sei_sync.rejects), with the change applied to raw and to the typed columns.'`,
  `COMMENT ON COLUMN sei_sync.sanitized_values.record_key IS 'The record''s key as sei_sync.rejects spells it (key fields joined by a colon, e.g. 378:LFE-893), NULL when it has none.'`,
  `COMMENT ON COLUMN sei_sync.sanitized_values.field IS 'Path of the value in the record as SEI sent it, e.g. summary, custom_fields.customfield_10020[0], status_list[2].start_time.'`,
  `COMMENT ON COLUMN sei_sync.sanitized_values.action IS 'replaced_characters, replaced_key_characters (NUL or lone surrogates became U+FFFD), removed_too_deep (nesting over 1000 levels became null), truncated (typed text cut; raw keeps it), nulled_out_of_range (instant outside 1970-9999, number outside its column), nulled_unparseable, nulled_wrong_type.'`,
  `COMMENT ON COLUMN sei_sync.sanitized_values.detail IS 'What was wrong, for a person: the value (cut to a few dozen characters) or the characters replaced.'`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS sei_sync.sanitized_values`.execute(db);
  await sql`ALTER TABLE sei_sync.stream_runs DROP COLUMN IF EXISTS sanitized`.execute(db);
}
