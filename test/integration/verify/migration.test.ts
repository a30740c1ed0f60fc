/**
 * Migration 010: the verify tables (a stream's result and its buckets, gone with their run), and
 * `data_freshness` counting syncs only (a verify moves no cursor); down restores 007's view.
 */
import { type Kysely, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.js';
import { lastStreamRuns } from '../../../src/state/ledger.js';
import { migrateToLatest } from '../../../src/state/migrate.js';
import type { Warehouse } from '../../../src/state/open.js';
import type { RunTrigger } from '../../../src/sync/types.js';
import { latestVerifies, saveVerifyResult } from '../../../src/verify/results.js';
import { succeededStreamRun } from '../../support/run-state.js';
import { openTestWarehouse, type TestWarehouse } from '../../support/warehouses.js';

describe('migration 010_verify', () => {
  let test: TestWarehouse;
  let warehouse: Warehouse;
  beforeAll(async () => {
    test = await openTestWarehouse('postgres');
    warehouse = test.warehouse;
  });
  afterAll(async () => test?.close());

  const run = async (trigger: RunTrigger) => {
    const id = await succeededStreamRun(warehouse, trigger, 'org_units');
    // Freshness orders stream runs by their start.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return id;
  };
  const freshness = async () =>
    (
      await sql<{ last_run_id: string }>`
        SELECT last_run_id FROM sei_bi.data_freshness WHERE stream = 'org_units'`.execute(warehouse.db)
    ).rows[0]?.last_run_id;

  it('keeps verify results by run, leaves verify runs out of freshness, and goes down to 007 and up again', async () => {
    const synced = await run('cli');
    const verified = await run('verify');
    await saveVerifyResult(
      warehouse.db,
      verified,
      {
        stream: 'org_units',
        mode: 'full_refresh',
        status: 'differs',
        method: 'distinct_keys',
        field: null,
        range: null,
        withoutValue: null,
        buckets: [
          {
            range: null,
            method: 'distinct_keys',
            server: 24,
            warehouse: 23,
            moved: 0,
            outcome: 'differs',
            before: null,
            sample: { missing: ['76'], extra: [], rejected: 0 },
          },
        ],
        requests: 1,
        heal: null,
        notes: [],
        error: null,
      },
      false,
    );
    expect(await freshness()).toBe(synced);
    expect((await lastStreamRuns(warehouse.db)).latest[0]?.runId).toBe(synced);
    expect((await latestVerifies(warehouse.db)).get('org_units')).toMatchObject({
      runId: verified,
      status: 'differs',
      differing: 1,
      lastCleanAt: null,
    });
    const bucket = await sql<{ missing_keys: string[] }>`
      SELECT missing_keys FROM sei_sync.verify_buckets WHERE run_id = ${verified}`.execute(warehouse.db);
    expect(bucket.rows[0]?.missing_keys).toEqual(['76']);

    const migrator = new Migrator({
      db: warehouse.db as Kysely<unknown>,
      provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
      migrationTableSchema: 'sei_sync',
    });
    expect((await migrator.migrateTo('007_renormalize')).error).toBeUndefined();
    expect(await freshness()).toBe(verified);
    const tables = await sql<{ present: boolean }>`
      SELECT to_regclass('sei_sync.verify_streams') IS NOT NULL AS present`.execute(warehouse.db);
    expect(tables.rows[0]?.present).toBe(false);
    await migrateToLatest(warehouse);
    expect(await freshness()).toBe(synced);
  });
});
