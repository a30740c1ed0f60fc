import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.js';
import { allTableNames, DORA_STREAMS, STREAMS } from '../../../src/streams/registry.js';
import {
  type BookkeepingColumn,
  CHILD_BOOKKEEPING_COLUMNS,
  ENTITY_BOOKKEEPING_COLUMNS,
} from '../../../src/streams/table-spec.js';
import type { ColumnSpec, ColumnType } from '../../../src/streams/types.js';
import { freshPgliteDir } from '../../support/pglite-template.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

/** Every stream with a table in `sei` (the 1.0 lists and SEI's DORA snapshots; 2.0 has its own schema). */
const TABLE_STREAMS = [...Object.values(STREAMS), ...Object.values(DORA_STREAMS)];

/** How information_schema spells each spec type. */
const INFORMATION_SCHEMA_TYPE: Record<ColumnType, string> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  'double precision': 'double precision',
  boolean: 'boolean',
  timestamptz: 'timestamp with time zone',
  'text[]': 'text[]',
  jsonb: 'jsonb',
};

interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
}

const specColumn = (c: ColumnSpec) =>
  `${c.name} ${INFORMATION_SCHEMA_TYPE[c.type]}${c.notNull ? ' not null' : ''}`;
const bookkeepingColumn = (c: BookkeepingColumn) => `${c.name} ${c.type}${c.notNull ? ' not null' : ''}`;

/**
 * Each table's columns as `name type [not null]`, as the specs say they must be, sorted: a column a
 * later migration adds goes to the end of its table, and nothing reads columns by position.
 */
function expectedColumns(): Record<string, string[]> {
  const expected: Record<string, string[]> = {};
  for (const stream of TABLE_STREAMS) {
    expected[stream.table.name] = [
      ...stream.table.columns.map(specColumn),
      ...ENTITY_BOOKKEEPING_COLUMNS.map(bookkeepingColumn),
    ].sort();
    for (const child of stream.children) {
      expected[child.name] = [
        ...child.columns.map(specColumn),
        ...CHILD_BOOKKEEPING_COLUMNS.map(bookkeepingColumn),
      ].sort();
    }
  }
  return expected;
}

async function actualColumns(db: Kysely<unknown>): Promise<Record<string, string[]>> {
  const { rows } = await sql<ColumnRow>`
    SELECT table_name, column_name, data_type, udt_name, is_nullable
    FROM information_schema.columns WHERE table_schema = 'sei'
    ORDER BY table_name, ordinal_position`.execute(db);
  const actual: Record<string, string[]> = {};
  for (const row of rows) {
    const type = row.data_type === 'ARRAY' ? `${row.udt_name.slice(1)}[]` : row.data_type;
    actual[row.table_name] = [
      ...(actual[row.table_name] ?? []),
      `${row.column_name} ${type}${row.is_nullable === 'NO' ? ' not null' : ''}`,
    ];
  }
  for (const columns of Object.values(actual)) columns.sort();
  return actual;
}

async function primaryKeys(db: Kysely<unknown>): Promise<Record<string, string[]>> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    SELECT tc.table_name, kcu.column_name
    FROM information_schema.table_constraints tc
    JOIN information_schema.key_column_usage kcu
      ON kcu.constraint_name = tc.constraint_name AND kcu.constraint_schema = tc.constraint_schema
    WHERE tc.table_schema = 'sei' AND tc.constraint_type = 'PRIMARY KEY'
    ORDER BY tc.table_name, kcu.ordinal_position`.execute(db);
  const keys: Record<string, string[]> = {};
  for (const row of rows) keys[row.table_name] = [...(keys[row.table_name] ?? []), row.column_name];
  return keys;
}

async function seiRelations(db: Kysely<unknown>): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'sei'`.execute(db);
  return rows[0]?.n ?? -1;
}

async function schemaExists(db: Kysely<unknown>): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'sei'`.execute(db);
  return rows[0]?.n === 1;
}

/** Every migration, in order (later ones add columns and tables to the `sei` schema). */
async function up(db: Kysely<unknown>): Promise<void> {
  for (const migration of Object.values(MIGRATIONS)) await migration.up(db);
}

async function down(db: Kysely<unknown>): Promise<void> {
  for (const migration of Object.values(MIGRATIONS).reverse()) await migration.down?.(db);
  await sql`DROP SCHEMA IF EXISTS sei_sync CASCADE`.execute(db);
}

const EXPECTED_TABLES = [
  'cicd_instances',
  'cicd_job_run_tests',
  'cicd_job_runs',
  'cicd_jobs',
  'collection_categories',
  'dora_buckets',
  'dora_drilldown',
  'dora_snapshots',
  'integrations',
  'jira_fields',
  'jira_issue_assignee_history',
  'jira_issue_status_history',
  'jira_issues',
  'jira_projects',
  'jira_sprints',
  'org_units',
  'org_users',
  'pagerduty_alerts',
  'pagerduty_incidents',
  'products',
  'scm_commits',
  'scm_issues',
  'scm_pull_requests',
  'sei_contributors',
  'user_identities',
  'workflow_profiles',
  'workitem_sprints',
  'workitems',
];

/** The history tables (schema `sei_history`) and their key columns, as `name: key, key`. */
async function historyKeys(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ table_name: string; columns: string }>`
    SELECT tc.table_name, string_agg(kcu.column_name, ', ' ORDER BY kcu.ordinal_position) AS columns
    FROM information_schema.table_constraints tc
    JOIN information_schema.key_column_usage kcu
      ON kcu.constraint_name = tc.constraint_name AND kcu.constraint_schema = tc.constraint_schema
    WHERE tc.table_schema = 'sei_history' AND tc.constraint_type = 'PRIMARY KEY'
    GROUP BY tc.table_name ORDER BY tc.table_name`.execute(db);
  return rows.map((row) => `${row.table_name}: ${row.columns}`);
}

/** Every entity table has its history, keyed by its key and `valid_from` (SCD type 2). */
const expectedHistoryKeys = () =>
  TABLE_STREAMS.map(
    (stream) => `${stream.table.name}: ${[...stream.table.key, 'valid_from'].join(', ')}`,
  ).sort();

describe('migrations of the sei tables on PostgreSQL', () => {
  let database: TestDatabase;
  let db: Kysely<unknown>;

  beforeAll(async () => {
    database = await createTestDatabase('sei_streams_migration');
    db = new Kysely({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url }) }),
    });
    await up(db);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('creates exactly the stream tables, each entity table with its history', async () => {
    expect([...allTableNames()].sort()).toEqual(EXPECTED_TABLES);
    expect(Object.keys(await actualColumns(db)).sort()).toEqual(EXPECTED_TABLES);
    expect(await historyKeys(db)).toEqual(expectedHistoryKeys());
  });

  it('gives every table the columns, types and nullability of its spec plus the bookkeeping columns', async () => {
    expect(await actualColumns(db)).toEqual(expectedColumns());
  });

  it('keys entity tables by their spec key and child tables by parent key + ordinal', async () => {
    const keys = await primaryKeys(db);
    for (const stream of TABLE_STREAMS) {
      expect(keys[stream.table.name], stream.table.name).toEqual(stream.table.key);
      for (const child of stream.children) expect(keys[child.name]).toEqual([...child.parentKey, 'ordinal']);
    }
  });

  it('defaults the seen/synced times and deletes history rows with their issue', async () => {
    await sql`INSERT INTO sei.jira_issues (integration_id, issue_key, raw, row_hash)
              VALUES ('1', 'A-1', '{}'::jsonb, 'h')`.execute(db);
    await sql`INSERT INTO sei.jira_issue_status_history (integration_id, issue_key, ordinal, status)
              VALUES ('1', 'A-1', 0, 'OPEN')`.execute(db);
    const { rows } = await sql<{ first_seen_at: Date; last_synced_at: Date }>`
      SELECT first_seen_at, last_synced_at FROM sei.jira_issues`.execute(db);
    expect(rows[0]?.first_seen_at).toBeInstanceOf(Date);
    expect(rows[0]?.last_synced_at).toBeInstanceOf(Date);
    await sql`DELETE FROM sei.jira_issues`.execute(db);
    const history = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM sei.jira_issue_status_history`.execute(db);
    expect(history.rows[0]?.n).toBe(0);
  });

  it('deletes history rows with their issues when they are truncated too', async () => {
    await sql`INSERT INTO sei.jira_issues (integration_id, issue_key, raw, row_hash)
              VALUES ('1', 'A-2', '{}'::jsonb, 'h')`.execute(db);
    await sql`INSERT INTO sei.jira_issue_assignee_history (integration_id, issue_key, ordinal)
              VALUES ('1', 'A-2', 0)`.execute(db);
    await sql`TRUNCATE sei.jira_issues`.execute(db);
    const history = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM sei.jira_issue_assignee_history`.execute(db);
    expect(history.rows[0]?.n).toBe(0);
  });

  it('down() removes every table and the schema', async () => {
    await down(db);
    expect(await seiRelations(db)).toBe(0);
    expect(await schemaExists(db)).toBe(false);
    await up(db);
    expect(Object.keys(await actualColumns(db)).sort()).toEqual(EXPECTED_TABLES);
  });
});

describe('migrations of the sei tables on PGlite', () => {
  let dir: string | undefined;
  let db: Kysely<unknown>;

  beforeAll(async () => {
    // A fresh cluster in a data directory, as the embedded warehouse opens it.
    dir = await freshPgliteDir();
    db = new Kysely({ dialect: new PGliteDialect(new PGlite(join(dir, 'pgdata'))) });
  });

  afterAll(async () => {
    await db?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs up and down, with the same columns as on PostgreSQL', async () => {
    await up(db);
    expect(await actualColumns(db)).toEqual(expectedColumns());
    expect(await historyKeys(db)).toEqual(expectedHistoryKeys());
    await down(db);
    expect(await schemaExists(db)).toBe(false);
  });
});
