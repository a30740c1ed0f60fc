/**
 * Migration 009 on a warehouse that already holds synced data (written as sei-sync stored rows before
 * it: row_hash = md5 of the jsonb text, foreign keys on the Jira history tables), on PostgreSQL and
 * PGlite: the first sync after the upgrade rewrites nothing that did not change, a real change is
 * written (with a hash of the new kind) and versioned, deleted or truncated issues still take their
 * history rows with them, and the migration goes down and up again.
 */
import { type Kysely, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.js';
import type { SeiRecord } from '../../../src/extract/sei/types.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { migrateToLatest } from '../../../src/state/migrate.js';
import type { Database } from '../../../src/state/schema.js';
import { STREAMS } from '../../../src/streams/registry.js';
import { createSyncEngine } from '../../../src/sync/engine.js';
import type { StreamRunResult } from '../../../src/sync/types.js';
import { fixedPagesClient } from '../../support/fixed-pages-client.js';
import { openTestWarehouse, type TestWarehouse, WAREHOUSE_KINDS } from '../../support/warehouses.js';
import { JIRA_SAMPLE } from '../../unit/streams/records.js';

const CHILDREN = ['jira_issue_status_history', 'jira_issue_assignee_history'] as const;

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({
    db: db as Kysely<unknown>,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
    migrationTableSchema: 'sei_sync',
  });
}

async function check(result: Awaited<ReturnType<Migrator['migrateTo']>>): Promise<void> {
  if (result.error) throw result.error;
}

describe.each(WAREHOUSE_KINDS)('migration 009_write_path on %s, over synced data', (kind) => {
  let test: TestWarehouse;
  let db: Kysely<Database>;
  let records: SeiRecord[] = [...JIRA_SAMPLE];

  async function sync(): Promise<StreamRunResult> {
    const engine = createSyncEngine({
      warehouse: test.warehouse,
      client: fixedPagesClient({ [STREAMS.jira_issues.path]: records }),
      config: { lookbackSeconds: 86_400, sei: { pageSize: 40, maxPages: 100, requestsPerMinute: 60_000 } },
      logger: silentLogger,
    });
    const runId = await engine.startRun({ trigger: 'cli', streams: ['jira_issues'], fullRefresh: true });
    return engine.syncStream({ runId, stream: 'jira_issues', fullRefresh: true });
  }

  /** Every stored tuple's xmin (a rewritten row gets a new one), per table. */
  async function tuples(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const table of [
      'sei.jira_issues',
      ...CHILDREN.map((name) => `sei.${name}`),
      'sei_history.jira_issues',
    ])
      out[table] = (
        await sql<{
          x: string;
        }>`SELECT count(*) || ':' || coalesce(string_agg(xmin::text, ',' ORDER BY xmin::text), '') AS x
          FROM ${sql.raw(table)}`.execute(db)
      ).rows[0]!.x;
    return out;
  }

  const hashLengths = async () =>
    (
      await sql<{ len: number; n: number }>`
        SELECT length(row_hash) AS len, count(*)::int AS n FROM sei.jira_issues GROUP BY 1 ORDER BY 1`.execute(
        db,
      )
    ).rows;

  beforeAll(async () => {
    test = await openTestWarehouse(kind, { migrate: false });
    db = test.warehouse.db;
    await sql`CREATE SCHEMA IF NOT EXISTS sei_sync`.execute(db);
    // Today's sync needs today's schema; its rows are then taken down to the schema just before 009.
    await migrateToLatest(test.warehouse);
    expect(await sync()).toMatchObject({ status: 'succeeded', counts: { inserted: 100 } });
    await check(await migrator(db).migrateTo('008_more_streams'));
    // As sei-sync stored rows before migration 009.
    await sql`UPDATE sei.jira_issues SET row_hash = md5(raw::text)`.execute(db);
    await sql`UPDATE sei_history.jira_issues SET row_hash = md5(raw::text)`.execute(db);
    await migrateToLatest(test.warehouse);
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('replaces the foreign keys of the Jira history tables by triggers', async () => {
    const constraints = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_constraint WHERE contype = 'f' AND connamespace = 'sei'::regnamespace`.execute(
      db,
    );
    expect(constraints.rows[0]?.n).toBe(0);
    const triggers = await sql<{ tgname: string }>`
      SELECT tgname FROM pg_trigger WHERE tgrelid = 'sei.jira_issues'::regclass ORDER BY tgname`.execute(db);
    expect(triggers.rows.map((row) => row.tgname)).toEqual([
      'jira_issues_delete_children',
      'jira_issues_truncate_children',
    ]);
  });

  it('rewrites nothing on the first sync after the upgrade: no row, child row or version', async () => {
    const before = await tuples();
    expect(await sync()).toMatchObject({
      status: 'succeeded',
      counts: { records: 100, inserted: 0, updated: 0, unchanged: 100 },
    });
    expect(await tuples()).toEqual(before);
    expect(await hashLengths()).toEqual([{ len: 32, n: 100 }]);
  });

  it('writes a record that really changed, with a hash of the new kind, its lists and a version', async () => {
    const key = String(records[5]!.key);
    records = records.map((record, i) =>
      i === 5 ? { ...record, summary: 'changed after the upgrade' } : record,
    );
    expect(await sync()).toMatchObject({ counts: { inserted: 0, updated: 1, unchanged: 99 } });
    expect(await hashLengths()).toEqual([
      { len: 16, n: 1 },
      { len: 32, n: 99 },
    ]);
    const versions = await sql<{ current: number; closed: number }>`
      SELECT count(*) FILTER (WHERE valid_to IS NULL)::int AS current, count(*) FILTER (WHERE valid_to IS NOT NULL)::int AS closed
      FROM sei_history.jira_issues WHERE issue_key = ${key}`.execute(db);
    expect(versions.rows).toEqual([{ current: 1, closed: 1 }]);
    // Unchanged on a second look: the new hash is compared directly.
    const before = await tuples();
    expect(await sync()).toMatchObject({ counts: { updated: 0, unchanged: 100 } });
    expect(await tuples()).toEqual(before);
  });

  it('deletes the history rows of deleted and truncated issues', async () => {
    const key = String(records[0]!.key);
    const children = async (where = sql`TRUE`) => {
      let n = 0;
      for (const name of CHILDREN)
        n += (
          await sql<{
            n: number;
          }>`SELECT count(*)::int AS n FROM ${sql.table(`sei.${name}`)} WHERE ${where}`.execute(db)
        ).rows[0]!.n;
      return n;
    };
    expect(await children(sql`issue_key = ${key}`)).toBeGreaterThan(0);
    await sql`DELETE FROM sei.jira_issues WHERE issue_key = ${key}`.execute(db);
    expect(await children(sql`issue_key = ${key}`)).toBe(0);
    expect(await children()).toBeGreaterThan(0);
    await sql`TRUNCATE sei.jira_issues`.execute(db);
    expect(await children()).toBe(0);
  });

  it('goes down (foreign keys back) and up again', async () => {
    await check(await migrator(db).migrateTo('008_more_streams'));
    const constraints = async () =>
      (
        await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_constraint WHERE contype = 'f' AND connamespace = 'sei'::regnamespace`.execute(
          db,
        )
      ).rows[0]!.n;
    expect(await constraints()).toBe(2);
    await migrateToLatest(test.warehouse);
    expect(await constraints()).toBe(0);
    expect(await sync()).toMatchObject({ status: 'succeeded', counts: { inserted: 100 } });
  });
});
