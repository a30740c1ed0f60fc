/**
 * Migration 006 on a ledger that already holds runs, on PostgreSQL and PGlite: `stream_runs.sanitized`
 * starts at 0 for old rows, `sei_sync.sanitized_values` is created (with comments for BI tools), and
 * the migration goes down and up again.
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.js';
import { migrateToLatest } from '../../../src/state/migrate.js';
import type { Warehouse } from '../../../src/state/open.js';
import { openTestWarehouse, type TestWarehouse, WAREHOUSE_KINDS } from '../../support/warehouses.js';

const BEFORE = '004_bi_views';

async function migrateTo(warehouse: Warehouse, name: string): Promise<void> {
  const migrator = new Migrator({
    db: warehouse.db as Kysely<unknown>,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
    migrationTableSchema: 'sei_sync',
  });
  const result = await migrator.migrateTo(name);
  if (result.error) throw result.error;
}

const sanitizedColumn = (warehouse: Warehouse) =>
  sql<{ column_name: string; column_default: string; is_nullable: string }>`
    SELECT column_name, column_default, is_nullable FROM information_schema.columns
    WHERE table_schema = 'sei_sync' AND table_name = 'stream_runs' AND column_name = 'sanitized'`.execute(
    warehouse.db,
  );
const notesTable = (warehouse: Warehouse) =>
  sql<{ comment: string | null }>`
    SELECT obj_description(to_regclass('sei_sync.sanitized_values')) AS comment
    WHERE to_regclass('sei_sync.sanitized_values') IS NOT NULL`.execute(warehouse.db);

describe.each(WAREHOUSE_KINDS)('migration 006 (hostile records) on %s', (kind) => {
  let test: TestWarehouse;
  const runId = randomUUID();

  beforeAll(async () => {
    test = await openTestWarehouse(kind, { migrate: false });
    await sql`CREATE SCHEMA IF NOT EXISTS sei_sync`.execute(test.warehouse.db);
    await migrateTo(test.warehouse, BEFORE);
    await sql`INSERT INTO sei_sync.runs (id, trigger, streams, status) VALUES (${runId}, 'cli', '{jira_issues}', 'succeeded')`.execute(
      test.warehouse.db,
    );
    await sql`INSERT INTO sei_sync.stream_runs (run_id, stream, status, rejected) VALUES (${runId}, 'jira_issues', 'succeeded', 2)`.execute(
      test.warehouse.db,
    );
    await migrateToLatest(test.warehouse);
  });
  afterAll(async () => {
    await test?.close();
  });

  it('counts nothing sanitized for stream runs from before it', async () => {
    const rows = await sql`SELECT rejected, sanitized FROM sei_sync.stream_runs`.execute(test.warehouse.db);
    expect(rows.rows).toEqual([{ rejected: 2, sanitized: 0 }]);
    expect((await sanitizedColumn(test.warehouse)).rows).toMatchObject([{ is_nullable: 'NO' }]);
  });

  it('creates sei_sync.sanitized_values, described for BI tools', async () => {
    const { warehouse } = test;
    await sql`INSERT INTO sei_sync.sanitized_values (run_id, stream, record_key, field, action, detail)
      VALUES (${runId}, 'jira_issues', '378:LFE-1', 'summary', 'replaced_characters', '1 NUL replaced by U+FFFD')`.execute(
      warehouse.db,
    );
    const rows = await sql<{ sanitized_at: Date }>`SELECT * FROM sei_sync.sanitized_values`.execute(
      warehouse.db,
    );
    expect(rows.rows).toMatchObject([{ stream: 'jira_issues', record_key: '378:LFE-1', field: 'summary' }]);
    expect(rows.rows[0]?.sanitized_at).toBeInstanceOf(Date);
    expect((await notesTable(warehouse)).rows[0]?.comment).toMatch(/^One row per value a sync changed/);
  });

  it('goes down and up again', async () => {
    const { warehouse } = test;
    await migrateTo(warehouse, BEFORE);
    expect((await sanitizedColumn(warehouse)).rows).toEqual([]);
    expect((await notesTable(warehouse)).rows).toEqual([]);
    await migrateToLatest(warehouse);
    expect((await sanitizedColumn(warehouse)).rows).toHaveLength(1);
    expect((await notesTable(warehouse)).rows).toHaveLength(1);
  });
});
