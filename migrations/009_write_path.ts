/**
 * What the COPY write path (src/load/write-path-copy.ts) needs of the schema.
 *
 * - The Jira history child tables lose their foreign keys to `sei.jira_issues`. A foreign key checks
 *   every child row inserted with a query and a row lock on its issue (about 4.5 µs a row, a fifth of a
 *   page's write); the write path already guarantees what it checked: child rows are written only in
 *   the transaction that wrote their issue, and replaced whole when the issue changes. What the
 *   `ON DELETE CASCADE` did is kept by statement-level triggers, which cost nothing on insert: deleting
 *   (or truncating) issues deletes their status and assignee rows, so none outlives its issue.
 * - `raw` is compressed with lz4 where the server has it (PostgreSQL 14+ built with lz4; not PGlite),
 *   several times faster than pglz for the same size; rows stored before keep pglz (both are read).
 * - `row_hash` changes kind without a rewrite: rows written from now on carry xxHash64 of the raw
 *   record's JSON (16 hex digits), rows stored before keep md5 of the jsonb text (32). The upsert
 *   compares raw records whenever hashes differ, so an old row is rewritten only when its record really
 *   changed (then with a hash of the new kind); the first sync after this migration rewrites nothing
 *   else. Nothing to do here but say so in the column comments.
 *
 * Frozen DDL, one statement per query (PGlite's extended protocol); the lz4 change is one DO block
 * that does nothing where lz4 is missing.
 */
import { type Kysely, sql } from 'kysely';

/** The entity tables of migration 001 (history tables of 003 have the same names), frozen. */
const ENTITY_TABLES = [
  'integrations',
  'jira_issues',
  'workitems',
  'scm_pull_requests',
  'scm_commits',
  'cicd_job_runs',
  'org_users',
  'org_units',
  'collection_categories',
] as const;

const CHILD_TABLES = ['jira_issue_status_history', 'jira_issue_assignee_history'] as const;

const MATCH = 'c.integration_id = g.integration_id AND c.issue_key = g.issue_key';

/** `ALTER TABLE ... SET COMPRESSION <method>` on every raw column, skipped where the method is missing. */
function rawCompression(method: 'lz4' | 'default'): string {
  const alters = ENTITY_TABLES.flatMap((name) => [
    `ALTER TABLE sei.${name} ALTER COLUMN raw SET COMPRESSION ${method};`,
    `ALTER TABLE sei_history.${name} ALTER COLUMN raw SET COMPRESSION ${method};`,
  ]);
  return `DO $$ BEGIN
  ${alters.join('\n  ')}
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN NULL;
END $$`;
}

const ROW_HASH_COMMENT =
  'Hash of raw, to skip unchanged rows cheaply: xxHash64 of the JSON text as sent (16 hex digits) since migration 009, md5 of the jsonb text (32) for rows not rewritten since. A differing hash is a change only when raw differs too.';

const UP: readonly string[] = [
  ...CHILD_TABLES.map(
    (name) => `ALTER TABLE sei.${name} DROP CONSTRAINT IF EXISTS ${name}_integration_id_issue_key_fkey`,
  ),
  `CREATE FUNCTION sei.jira_issues_delete_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  ${CHILD_TABLES.map((name) => `DELETE FROM sei.${name} c USING gone g WHERE ${MATCH};`).join('\n  ')}
  RETURN NULL;
END $$`,
  `CREATE TRIGGER jira_issues_delete_children AFTER DELETE ON sei.jira_issues
REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION sei.jira_issues_delete_children()`,
  `CREATE FUNCTION sei.jira_issues_truncate_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE ${CHILD_TABLES.map((name) => `sei.${name}`).join(', ')};
  RETURN NULL;
END $$`,
  `CREATE TRIGGER jira_issues_truncate_children AFTER TRUNCATE ON sei.jira_issues
FOR EACH STATEMENT EXECUTE FUNCTION sei.jira_issues_truncate_children()`,
  `COMMENT ON FUNCTION sei.jira_issues_delete_children() IS 'Deletes the status and assignee history rows of deleted Jira issues (what ON DELETE CASCADE did before migration 009).'`,
  rawCompression('lz4'),
  ...ENTITY_TABLES.map(
    (name) => `COMMENT ON COLUMN sei.${name}.row_hash IS '${ROW_HASH_COMMENT.replaceAll("'", "''")}'`,
  ),
];

const DOWN: readonly string[] = [
  ...ENTITY_TABLES.map((name) => `COMMENT ON COLUMN sei.${name}.row_hash IS NULL`),
  rawCompression('default'),
  'DROP TRIGGER IF EXISTS jira_issues_truncate_children ON sei.jira_issues',
  'DROP FUNCTION IF EXISTS sei.jira_issues_truncate_children()',
  'DROP TRIGGER IF EXISTS jira_issues_delete_children ON sei.jira_issues',
  'DROP FUNCTION IF EXISTS sei.jira_issues_delete_children()',
  // The foreign keys refuse orphans; rows the schema without them let in are not kept.
  ...CHILD_TABLES.flatMap((name) => [
    `DELETE FROM sei.${name} c WHERE NOT EXISTS (SELECT 1 FROM sei.jira_issues g WHERE ${MATCH})`,
    `ALTER TABLE sei.${name} ADD FOREIGN KEY (integration_id, issue_key) REFERENCES sei.jira_issues (integration_id, issue_key) ON DELETE CASCADE`,
  ]),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
