/**
 * Migrations 003 and 004 on a database that already holds synced rows: the history starts with one
 * version per row (closed for rows already deleted), and both migrations go down and up cleanly.
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.js';
import { writePage } from '../../../src/load/upsert.js';
import { writePathOf } from '../../../src/load/write-path.js';
import { Secret } from '../../../src/secret.js';
import { migrateToLatest } from '../../../src/state/migrate.js';
import { openWarehouse, type Warehouse } from '../../../src/state/open.js';
import { STREAMS } from '../../../src/streams/registry.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

function migrator(warehouse: Warehouse): Migrator {
  return new Migrator({
    db: warehouse.db as Kysely<unknown>,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
    migrationTableSchema: 'sei_sync',
  });
}

async function check(result: Awaited<ReturnType<Migrator['migrateTo']>>): Promise<void> {
  if (result.error) throw result.error;
}

describe('migrations 003 and 004', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;

  beforeAll(async () => {
    database = await createTestDatabase();
    warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
    await sql`CREATE SCHEMA IF NOT EXISTS sei_sync`.execute(warehouse.db);
    await check(await migrator(warehouse).migrateTo('002_sync_control'));
  });
  afterAll(async () => {
    await warehouse?.close();
    await database?.drop();
  });

  it('start the history of rows synced before them with one version from their last change', async () => {
    const syncedAt = new Date('2026-03-01T00:00:00Z');
    const runId = randomUUID();
    const rows = ['o-1', 'o-2'].map((id) => ({ id, name: id, raw: { id, name: id } }));
    const path = await writePathOf(warehouse);
    await warehouse.db.transaction().execute((trx) =>
      writePage(trx, {
        table: STREAMS.org_units.table,
        children: [],
        rows,
        childRows: {},
        runId,
        syncedAt,
        path,
      }),
    );
    await sql`UPDATE sei.org_units SET deleted_at = '2026-03-02T00:00:00Z' WHERE id = 'o-2'`.execute(
      warehouse.db,
    );
    await migrateToLatest(warehouse);
    const history = await sql<{
      id: string;
      valid_from: Date;
      valid_to: Date | null;
      deleted: boolean;
      run_id: string;
    }>`
      SELECT id, valid_from, valid_to, deleted, run_id FROM sei_history.org_units ORDER BY id`.execute(
      warehouse.db,
    );
    expect(history.rows).toEqual([
      { id: 'o-1', valid_from: syncedAt, valid_to: null, deleted: false, run_id: runId },
      {
        id: 'o-2',
        valid_from: syncedAt,
        valid_to: new Date('2026-03-02T00:00:00Z'),
        deleted: true,
        run_id: runId,
      },
    ]);
  });

  it('go down and up again', async () => {
    await check(await migrator(warehouse).migrateTo('002_sync_control'));
    const schemas = await sql<{ name: string }>`
      SELECT nspname AS name FROM pg_namespace WHERE nspname IN ('sei_history', 'sei_bi')`.execute(
      warehouse.db,
    );
    expect(schemas.rows).toEqual([]);
    await migrateToLatest(warehouse);
    const counts = await sql<{
      versions: number;
    }>`SELECT count(*)::int AS versions FROM sei_history.org_units`.execute(warehouse.db);
    expect(counts.rows[0]?.versions).toBe(2);
  });
});
