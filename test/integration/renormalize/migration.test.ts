/**
 * Migration 007: `data_freshness` counts syncs only once it is applied, keeps its columns, and goes
 * down to 004's definition (and the checkpoint table away) and up again cleanly.
 */
import { type Kysely, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.js';
import { Secret } from '../../../src/secret.js';
import { migrateToLatest } from '../../../src/state/migrate.js';
import { openWarehouse, type Warehouse } from '../../../src/state/open.js';
import { succeededStreamRun } from '../../support/run-state.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

describe('migration 007_renormalize', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  beforeAll(async () => {
    database = await createTestDatabase();
    warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
    await migrateToLatest(warehouse);
  });
  afterAll(async () => {
    await warehouse?.close();
    await database?.drop();
  });

  const freshness = async () =>
    (
      await sql<{ last_run_id: string; successful_runs: number }>`
        SELECT last_run_id, successful_runs::int FROM sei_bi.data_freshness WHERE stream = 'org_units'`.execute(
        warehouse.db,
      )
    ).rows[0];
  const columns = async () =>
    (
      await sql<{ names: string }>`
        SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) AS names
        FROM information_schema.columns WHERE table_schema = 'sei_bi' AND table_name = 'data_freshness'`.execute(
        warehouse.db,
      )
    ).rows[0]!.names;

  it('leaves renormalize runs out of freshness, and restores 004 on the way down', async () => {
    const run = (trigger: 'cli' | 'renormalize') => succeededStreamRun(warehouse, trigger, 'org_units');
    const synced = await run('cli');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const renormalized = await run('renormalize');
    expect(await freshness()).toEqual({ last_run_id: synced, successful_runs: 1 });
    const latest = await columns();

    const migrator = new Migrator({
      db: warehouse.db as Kysely<unknown>,
      provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
      migrationTableSchema: 'sei_sync',
    });
    const down = await migrator.migrateTo('004_bi_views');
    expect(down.error).toBeUndefined();
    expect(await freshness()).toEqual({ last_run_id: renormalized, successful_runs: 2 });
    expect(await columns()).toBe(latest);
    const table = await sql<{ present: boolean }>`
      SELECT to_regclass('sei_sync.renormalize_checkpoints') IS NOT NULL AS present`.execute(warehouse.db);
    expect(table.rows[0]?.present).toBe(false);

    await migrateToLatest(warehouse);
    expect(await freshness()).toEqual({ last_run_id: synced, successful_runs: 1 });
  });
});
