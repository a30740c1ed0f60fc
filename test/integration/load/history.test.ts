/**
 * History (SCD type 2) semantics on the real tables of migrations 001 + 003, written through the real
 * write path (writePage → onChanged → recordHistory), on PostgreSQL and on PGlite.
 */

import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiRecord } from '../../../src/extract/sei/types.js';
import { markMissingAsDeleted, recordSeenKeys } from '../../../src/load/deletes.js';
import { closeHistory, closeHistoryOfDeletedRows, recordHistory } from '../../../src/load/history.js';
import { Secret } from '../../../src/secret.js';
import { openWarehouse, type Warehouse } from '../../../src/state/open.js';
import { keyText } from '../../../src/state/sql-text.js';
import { jiraIssuesStream } from '../../../src/streams/jira-issues.js';
import { DORA_STREAMS, STREAMS } from '../../../src/streams/registry.js';
import { migratedPgliteDir } from '../../support/pglite-template.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';
import { writeRecords } from '../../support/write-records.js';

const T1 = new Date('2026-01-01T00:00:00Z');
const T2 = new Date('2026-02-01T00:00:00Z');
const T3 = new Date('2026-03-01T00:00:00Z');
const T4 = new Date('2026-04-01T00:00:00Z');
const T5 = new Date('2026-05-01T00:00:00Z');

function issue(key: string, summary: string, status: string): SeiRecord {
  return {
    key,
    integration_id: '378',
    project: key.split('-')[0],
    summary,
    status,
    issue_type: 'BUG',
    issue_created_at: 1_767_000_000,
    issue_updated_at: 1_767_000_600,
    status_list: [
      { status, issue_key: key, integration_id: '378', start_time: 1_767_000_000, end_time: 1_767_000_600 },
    ],
  };
}

interface Version {
  issue_key: string;
  valid_from: string;
  valid_to: string | null;
  deleted: boolean;
  summary: string;
  status: string;
}

async function versions(warehouse: Warehouse, key: string): Promise<Version[]> {
  const result = await sql<Version>`
    SELECT issue_key, to_char(valid_from AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS valid_from,
      to_char(valid_to AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS valid_to, deleted,
      raw->>'summary' AS summary, raw->>'status' AS status
    FROM sei_history.jira_issues WHERE issue_key = ${key} ORDER BY valid_from`.execute(warehouse.db);
  return result.rows;
}

async function asOf(warehouse: Warehouse, at: Date): Promise<string[]> {
  const result = await sql<{ label: string }>`
    SELECT issue_key || ':' || (raw->>'summary') AS label
    FROM sei_history.jira_issues_as_of(${at.toISOString()}::timestamptz) ORDER BY issue_key`.execute(
    warehouse.db,
  );
  return result.rows.map((row) => row.label);
}

describe('history on PostgreSQL', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  const runs = [randomUUID(), randomUUID(), randomUUID(), randomUUID()] as const;

  beforeAll(async () => {
    database = await createTestDatabase('sei_test', { migrated: true });
    warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
  });
  afterAll(async () => {
    await warehouse?.close();
    await database?.drop();
  });

  it('every entity table has a history table and an as-of function', async () => {
    const tables = await sql<{ name: string }>`
      SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'sei_history'`.execute(
      warehouse.db,
    );
    const functions = await sql<{ name: string }>`
      SELECT routine_name AS name FROM information_schema.routines WHERE routine_schema = 'sei_history'`.execute(
      warehouse.db,
    );
    const entityStreams = [...Object.values(STREAMS), ...Object.values(DORA_STREAMS)];
    const entityTables = entityStreams.map((stream) => stream.table.name);
    expect(tables.rows.map((row) => row.name).sort()).toEqual([...entityTables].sort());
    expect(functions.rows.map((row) => row.name).sort()).toEqual(
      entityTables.map((name) => `${name}_as_of`).sort(),
    );
    // The key columns of each history table are the entity table's key.
    for (const stream of entityStreams) {
      const key = await sql<{ column: string }>`
        SELECT a.attname AS column FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = ${`sei_history.${stream.table.name}`}::regclass AND i.indisprimary`.execute(
        warehouse.db,
      );
      expect(key.rows.map((row) => row.column).sort()).toEqual([...stream.table.key, 'valid_from'].sort());
    }
  });

  it('a record changed twice across three writes has three versions with exact intervals', async () => {
    await writeRecords(
      warehouse,
      jiraIssuesStream,
      [issue('LEV-1', 'first', 'TODO'), issue('LEV-2', 'other', 'TODO')],
      T1,
      runs[0],
    );
    await writeRecords(
      warehouse,
      jiraIssuesStream,
      [issue('LEV-1', 'second', 'TODO'), issue('LEV-2', 'other', 'TODO')],
      T2,
      runs[1],
    );
    await writeRecords(
      warehouse,
      jiraIssuesStream,
      [issue('LEV-1', 'third', 'DONE'), issue('LEV-2', 'other', 'TODO')],
      T3,
      runs[2],
    );
    expect(await versions(warehouse, 'LEV-1')).toEqual([
      {
        issue_key: 'LEV-1',
        valid_from: '2026-01-01',
        valid_to: '2026-02-01',
        deleted: false,
        summary: 'first',
        status: 'TODO',
      },
      {
        issue_key: 'LEV-1',
        valid_from: '2026-02-01',
        valid_to: '2026-03-01',
        deleted: false,
        summary: 'second',
        status: 'TODO',
      },
      {
        issue_key: 'LEV-1',
        valid_from: '2026-03-01',
        valid_to: null,
        deleted: false,
        summary: 'third',
        status: 'DONE',
      },
    ]);
    const runIds = await sql<{ run_id: string }>`
      SELECT run_id FROM sei_history.jira_issues WHERE issue_key = 'LEV-1' ORDER BY valid_from`.execute(
      warehouse.db,
    );
    expect(runIds.rows.map((row) => row.run_id)).toEqual([runs[0], runs[1], runs[2]]);
  });

  it('writing an unchanged row adds no version', async () => {
    expect(await versions(warehouse, 'LEV-2')).toEqual([
      {
        issue_key: 'LEV-2',
        valid_from: '2026-01-01',
        valid_to: null,
        deleted: false,
        summary: 'other',
        status: 'TODO',
      },
    ]);
    // Even when called for a row whose stored hash equals the current version's (a replayed page).
    const replay = await warehouse.db
      .transaction()
      .execute((trx) =>
        recordHistory(
          trx,
          jiraIssuesStream.table,
          [{ key: { integration_id: '378', issue_key: 'LEV-2' }, inserted: false }],
          T3,
          runs[2],
        ),
      );
    expect(replay).toEqual({ closed: 0, opened: 0 });
    expect(await versions(warehouse, 'LEV-2')).toHaveLength(1);
  });

  it('the history holds exactly the stored row: hash and raw copied from sei.jira_issues', async () => {
    const mismatches = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM sei.jira_issues e
      JOIN sei_history.jira_issues h USING (integration_id, issue_key)
      WHERE h.valid_to IS NULL AND (h.row_hash <> e.row_hash OR h.raw <> e.raw)`.execute(warehouse.db);
    expect(mismatches.rows[0]?.n).toBe(0);
  });

  it('as-of returns the version valid at the boundaries (half-open intervals)', async () => {
    const justBefore = (at: Date) => new Date(at.getTime() - 1);
    expect(await asOf(warehouse, justBefore(T1))).toEqual([]);
    expect(await asOf(warehouse, T1)).toEqual(['LEV-1:first', 'LEV-2:other']);
    expect(await asOf(warehouse, justBefore(T2))).toEqual(['LEV-1:first', 'LEV-2:other']);
    expect(await asOf(warehouse, T2)).toEqual(['LEV-1:second', 'LEV-2:other']);
    expect(await asOf(warehouse, T3)).toEqual(['LEV-1:third', 'LEV-2:other']);
    expect(await asOf(warehouse, new Date('2030-01-01T00:00:00Z'))).toEqual(['LEV-1:third', 'LEV-2:other']);
  });

  it('deletion (a full-refresh walk that no longer returns the row) closes the current version', async () => {
    const walkId = randomUUID();
    await warehouse.db.transaction().execute(async (trx) => {
      await recordSeenKeys(
        trx,
        walkId,
        [keyText({ integration_id: '378', issue_key: 'LEV-2' }, jiraIssuesStream.table.key)],
        new Set(),
      );
      const deleted = await markMissingAsDeleted(trx, walkId, jiraIssuesStream.table, T4);
      expect(deleted.keys).toEqual([{ integration_id: '378', issue_key: 'LEV-1' }]);
      expect(await closeHistory(trx, jiraIssuesStream.table, deleted.keys, T4)).toBe(1);
      // Closing again (a retried step) finds no current version.
      expect(await closeHistory(trx, jiraIssuesStream.table, deleted.keys, T4)).toBe(0);
      expect(await closeHistoryOfDeletedRows(trx, jiraIssuesStream.table)).toBe(0);
    });
    expect((await versions(warehouse, 'LEV-1')).at(-1)).toEqual({
      issue_key: 'LEV-1',
      valid_from: '2026-03-01',
      valid_to: '2026-04-01',
      deleted: true,
      summary: 'third',
      status: 'DONE',
    });
    expect(await asOf(warehouse, new Date(T4.getTime() - 1))).toEqual(['LEV-1:third', 'LEV-2:other']);
    expect(await asOf(warehouse, T4)).toEqual(['LEV-2:other']);
  });

  it('a deleted record that comes back opens a new version, even with the same content', async () => {
    await writeRecords(warehouse, jiraIssuesStream, [issue('LEV-1', 'third', 'DONE')], T5, runs[3]);
    const history = await versions(warehouse, 'LEV-1');
    expect(history.map((v) => [v.valid_from, v.valid_to, v.deleted])).toEqual([
      ['2026-01-01', '2026-02-01', false],
      ['2026-02-01', '2026-03-01', false],
      ['2026-03-01', '2026-04-01', true],
      ['2026-05-01', null, false],
    ]);
    expect(await asOf(warehouse, new Date('2026-04-15T00:00:00Z'))).toEqual(['LEV-2:other']);
    expect(await asOf(warehouse, T5)).toEqual(['LEV-1:third', 'LEV-2:other']);
  });

  it('closeHistoryOfDeletedRows closes versions of rows marked deleted by a plain UPDATE, at their deleted_at', async () => {
    const at = new Date('2026-06-01T00:00:00Z');
    await sql`UPDATE sei.jira_issues SET deleted_at = ${at.toISOString()}::timestamptz WHERE issue_key = 'LEV-2'`.execute(
      warehouse.db,
    );
    expect(
      await warehouse.db
        .transaction()
        .execute((trx) => closeHistoryOfDeletedRows(trx, jiraIssuesStream.table)),
    ).toBe(1);
    expect((await versions(warehouse, 'LEV-2')).map((v) => [v.valid_from, v.valid_to, v.deleted])).toEqual([
      ['2026-01-01', '2026-06-01', true],
    ]);
  });

  it('the same key changed twice at the same instant keeps one version with the last content', async () => {
    const at = new Date('2026-07-01T00:00:00Z');
    const runId = randomUUID();
    await writeRecords(warehouse, jiraIssuesStream, [issue('LEV-9', 'page 1', 'TODO')], at, runId);
    await writeRecords(warehouse, jiraIssuesStream, [issue('LEV-9', 'page 7', 'TODO')], at, runId);
    expect(await versions(warehouse, 'LEV-9')).toEqual([
      {
        issue_key: 'LEV-9',
        valid_from: '2026-07-01',
        valid_to: null,
        deleted: false,
        summary: 'page 7',
        status: 'TODO',
      },
    ]);
  });

  it('one page writes history for many rows in two statements (set-based), one version each', async () => {
    const at = new Date('2026-08-01T00:00:00Z');
    const records = Array.from({ length: 500 }, (_, i) => issue(`BULK-${i}`, `bulk ${i}`, 'TODO'));
    await writeRecords(warehouse, jiraIssuesStream, records, at, randomUUID());
    await writeRecords(
      warehouse,
      jiraIssuesStream,
      records.map((record, i) => (i % 2 === 0 ? { ...record, summary: `bulk ${i} changed` } : record)),
      new Date('2026-08-02T00:00:00Z'),
      randomUUID(),
    );
    const counts = await sql<{ versions: number; current: number }>`
      SELECT count(*)::int AS versions, count(*) FILTER (WHERE valid_to IS NULL)::int AS current
      FROM sei_history.jira_issues WHERE issue_key LIKE 'BULK-%'`.execute(warehouse.db);
    expect(counts.rows[0]).toEqual({ versions: 750, current: 500 });
  });
});

describe('history on PGlite', () => {
  let warehouse: Warehouse;
  let dir: string;

  beforeAll(async () => {
    dir = await migratedPgliteDir('sei-history-pglite-');
    warehouse = await openWarehouse({ dataDir: dir });
  });
  afterAll(async () => {
    await warehouse?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('versions, deletion and as-of behave as on PostgreSQL', async () => {
    await writeRecords(warehouse, jiraIssuesStream, [issue('LEV-1', 'first', 'TODO')], T1, randomUUID());
    await writeRecords(warehouse, jiraIssuesStream, [issue('LEV-1', 'second', 'TODO')], T2, randomUUID());
    await writeRecords(warehouse, jiraIssuesStream, [issue('LEV-1', 'second', 'TODO')], T3, randomUUID());
    await warehouse.db
      .transaction()
      .execute((trx) =>
        closeHistory(trx, jiraIssuesStream.table, [{ integration_id: '378', issue_key: 'LEV-1' }], T4),
      );
    expect(
      (await versions(warehouse, 'LEV-1')).map((v) => [v.valid_from, v.valid_to, v.deleted, v.summary]),
    ).toEqual([
      ['2026-01-01', '2026-02-01', false, 'first'],
      ['2026-02-01', '2026-04-01', true, 'second'],
    ]);
    expect(await asOf(warehouse, T2)).toEqual(['LEV-1:second']);
    expect(await asOf(warehouse, T4)).toEqual([]);
  });

  it('every sei_bi view runs on PGlite', async () => {
    const views = await sql<{ name: string }>`
      SELECT table_name AS name FROM information_schema.views WHERE table_schema = 'sei_bi' ORDER BY 1`.execute(
      warehouse.db,
    );
    expect(views.rows.length).toBeGreaterThan(10);
    for (const view of views.rows)
      await sql`SELECT * FROM ${sql.table(`sei_bi.${view.name}`)}`.execute(warehouse.db);
    const lead = await sql<{ issue_key: string; is_resolved: boolean }>`
      SELECT issue_key, is_resolved FROM sei_bi.jira_lead_time`.execute(warehouse.db);
    // LEV-1 was deleted (closeHistory does not touch sei; its row is still live there).
    expect(lead.rows).toEqual([{ issue_key: 'LEV-1', is_resolved: false }]);
  });
});
