/**
 * The `sei_history` schema: a slowly changing dimension (type 2) beside every `sei` entity table.
 *
 * One row per version of a record: its key columns, the instant it became current (`valid_from`),
 * the instant it stopped being current (`valid_to`, NULL while it is the current version), its
 * `row_hash` and untouched `raw` record, the run that wrote it, and `deleted` (true when the version
 * ended because the record was marked deleted). Versions are written by src/load/history.ts in
 * the same transaction as the upsert, only when a row really changed.
 *
 * `sei_history.<table>_as_of(ts)` returns the versions valid at `ts`:
 * `valid_from <= ts AND (valid_to IS NULL OR valid_to > ts)` (half-open intervals).
 *
 * Child tables (Jira status and assignee histories) have no history tables: they are part of the
 * issue's raw record, which every version keeps.
 *
 * The DDL is frozen here (a static list, not generated from the TableSpecs at run time): a migration
 * that ran must never change. One statement per query (PGlite's extended protocol).
 */
import { type Kysely, sql } from 'kysely';

/** Every entity table of migration 001 and its key columns (all text), frozen as of this migration. */
const HISTORY_TABLES: readonly { readonly name: string; readonly key: readonly string[] }[] = [
  { name: 'integrations', key: ['id'] },
  { name: 'jira_issues', key: ['integration_id', 'issue_key'] },
  { name: 'workitems', key: ['integration_id', 'workitem_id'] },
  { name: 'scm_pull_requests', key: ['id'] },
  { name: 'scm_commits', key: ['commit_key'] },
  { name: 'cicd_job_runs', key: ['id'] },
  { name: 'org_users', key: ['user_key'] },
  { name: 'org_units', key: ['id'] },
  { name: 'collection_categories', key: ['id'] },
];

export function tableStatements(name: string, key: readonly string[]): string[] {
  const keyList = key.join(', ');
  return [
    `CREATE TABLE sei_history.${name} (
  ${key.map((column) => `${column} text NOT NULL`).join(',\n  ')},
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  deleted boolean NOT NULL DEFAULT false,
  row_hash text NOT NULL,
  raw jsonb NOT NULL,
  run_id uuid,
  PRIMARY KEY (${keyList}, valid_from),
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
)`,
    // At most one current version per key; also the arbiter the history writer upserts against.
    `CREATE UNIQUE INDEX ${name}_current_idx ON sei_history.${name} (${keyList}) WHERE valid_to IS NULL`,
    `CREATE INDEX ${name}_valid_from_idx ON sei_history.${name} (valid_from)`,
    `COMMENT ON TABLE sei_history.${name} IS 'Versions of sei.${name} (SCD type 2): [valid_from, valid_to), valid_to NULL = current; deleted = the version ended because the record was deleted.'`,
    `CREATE FUNCTION sei_history.${name}_as_of(ts timestamptz) RETURNS SETOF sei_history.${name}
LANGUAGE sql STABLE AS $$
  SELECT * FROM sei_history.${name} WHERE valid_from <= ts AND (valid_to IS NULL OR valid_to > ts)
$$`,
    `COMMENT ON FUNCTION sei_history.${name}_as_of(timestamptz) IS 'The version of each sei.${name} record that was current at ts (none if it did not exist yet or was deleted).'`,
    // Rows synced before history existed: their current content dates from their last real change
    // (the upsert only moves last_synced_at when a row changes); deleted rows get a closed version.
    `INSERT INTO sei_history.${name} (${keyList}, valid_from, valid_to, deleted, row_hash, raw, run_id)
SELECT ${keyList}, last_synced_at,
  CASE WHEN deleted_at IS NOT NULL THEN greatest(deleted_at, last_synced_at) END,
  deleted_at IS NOT NULL, row_hash, raw, run_id
FROM sei.${name}`,
  ];
}

const UP: readonly string[] = [
  'CREATE SCHEMA IF NOT EXISTS sei_history',
  ...HISTORY_TABLES.flatMap((table) => tableStatements(table.name, table.key)),
];

const DOWN: readonly string[] = [
  ...HISTORY_TABLES.flatMap((table) => [
    `DROP FUNCTION IF EXISTS sei_history.${table.name}_as_of(timestamptz)`,
    `DROP TABLE IF EXISTS sei_history.${table.name}`,
  ]),
  'DROP SCHEMA IF EXISTS sei_history',
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
