/**
 * `renormalize` on a synced warehouse (PostgreSQL, then the embedded PGlite): typed columns and child
 * rows re-derived from `raw`, exact counts, no history versions, rejects, resumption, the stream lock.
 */
import { rmSync } from 'node:fs';
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observability/logger.js';
import { readRenormalizeCheckpoint } from '../../../src/renormalize/checkpoints.js';
import { type RenormalizeOptions, renormalize } from '../../../src/renormalize/renormalize.js';
import { lastStreamRuns } from '../../../src/state/ledger.js';
import type { Warehouse } from '../../../src/state/open.js';
import { withStreamLock } from '../../../src/state/stream-lock.js';
import { jiraIssuesStream } from '../../../src/streams/jira-issues.js';
import { STREAMS } from '../../../src/streams/registry.js';
import { type NormalizeResult, STREAM_NAMES, type StreamName } from '../../../src/streams/types.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { migratedPgliteDir } from '../../support/pglite-template.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

async function one<T>(warehouse: Warehouse, text: string): Promise<T> {
  return (await warehouse.db.executeQuery<T>(CompiledQuery.raw(text))).rows[0]!;
}

const historyVersions = (warehouse: Warehouse) =>
  one<{ n: number }>(warehouse, 'SELECT count(*)::int AS n FROM sei_history.jira_issues').then((r) => r.n);

/** jira_issues whose normalizer lower-cases statuses, on the issue and in its status history. */
const lowerCaseJira = {
  ...STREAMS,
  jira_issues: {
    ...jiraIssuesStream,
    normalize(...args: Parameters<typeof jiraIssuesStream.normalize>): NormalizeResult {
      const result = jiraIssuesStream.normalize(...args);
      if (!result.ok) return result;
      const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);
      return {
        ok: true,
        row: { ...result.row, status: lower(result.row.status) },
        children: {
          ...result.children,
          jira_issue_status_history: (result.children.jira_issue_status_history ?? []).map((row) => ({
            ...row,
            status: lower(row.status),
          })),
        },
      };
    },
  } satisfies typeof jiraIssuesStream,
};

function run(harness: SyncHarness, options: Partial<RenormalizeOptions> = {}) {
  return renormalize({
    warehouse: harness.warehouse,
    streams: ['jira_issues'],
    logger: silentLogger,
    batchSize: 40,
    ...options,
  });
}

function counts(result: Awaited<ReturnType<typeof renormalize>>, stream: StreamName = 'jira_issues') {
  const found = result.results.find((r) => r.stream === stream)!;
  if (found.status === 'not_run') throw new Error('not run');
  return found.counts;
}

describe('renormalize on PostgreSQL', () => {
  let harness: SyncHarness;
  let issues: number;
  beforeAll(async () => {
    harness = await startSyncHarness({ simulator: { records: 150, seed: 57 } });
    await runSync(harness.engine, { streams: STREAM_NAMES, fullRefresh: false, trigger: 'cli' });
    issues = (await one<{ n: number }>(harness.warehouse, 'SELECT count(*)::int AS n FROM sei.jira_issues'))
      .n;
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('with unchanged normalizers rewrites nothing, and is recorded as a renormalize run', async () => {
    const versions = await historyVersions(harness.warehouse);
    const { runId: lastSync } = await one<{ runId: string }>(
      harness.warehouse,
      `SELECT id AS "runId" FROM sei_sync.runs ORDER BY started_at DESC LIMIT 1`,
    );
    const result = await run(harness, { streams: STREAM_NAMES, batchSize: 1000 });
    expect(result.status).toBe('succeeded');
    expect(counts(result)).toMatchObject({ records: issues, updated: 0, unchanged: issues, requests: 0 });
    for (const stream of STREAM_NAMES) expect(counts(result, stream).updated).toBe(0);
    expect(await historyVersions(harness.warehouse)).toBe(versions);
    const ledger = await one<{ trigger: string; status: string; streams: number }>(
      harness.warehouse,
      `SELECT r.trigger, r.status, count(s.*)::int AS streams FROM sei_sync.runs r
       JOIN sei_sync.stream_runs s ON s.run_id = r.id WHERE r.id = '${result.runId}' GROUP BY 1, 2`,
    );
    expect(ledger).toEqual({ trigger: 'renormalize', status: 'succeeded', streams: STREAM_NAMES.length });
    // Freshness and "last sync" still name the sync: a renormalize reads no API.
    const freshness = await one<{ last_run_id: string }>(
      harness.warehouse,
      `SELECT last_run_id FROM sei_bi.data_freshness WHERE stream = 'jira_issues'`,
    );
    expect(freshness.last_run_id).toBe(lastSync);
    const { latest } = await lastStreamRuns(harness.warehouse.db);
    expect(latest.find((r) => r.stream === 'jira_issues')?.runId).toBe(lastSync);
  });

  it('a changed normalizer: exactly the rows it changes are rewritten, children too, no history', async () => {
    const versions = await historyVersions(harness.warehouse);
    const before = await one<{ rows: number; synced: string }>(
      harness.warehouse,
      `SELECT count(*)::int AS rows, max(last_synced_at)::text AS synced FROM sei.jira_issues i
       WHERE i.status IS DISTINCT FROM lower(i.status) OR EXISTS (SELECT 1 FROM sei.jira_issue_status_history h
         WHERE h.integration_id = i.integration_id AND h.issue_key = i.issue_key AND h.status <> lower(h.status))`,
    );
    expect(before.rows).toBeGreaterThan(0);
    const lowered = await run(harness, { definitions: lowerCaseJira });
    expect(counts(lowered)).toMatchObject({
      records: issues,
      updated: before.rows,
      unchanged: issues - before.rows,
      pages: Math.ceil(issues / 40),
    });
    const after = await one<{ notLower: number; notLowerHistory: number; byRun: number; synced: string }>(
      harness.warehouse,
      `SELECT count(*) FILTER (WHERE status <> lower(status))::int AS "notLower",
         (SELECT count(*)::int FROM sei.jira_issue_status_history WHERE status <> lower(status)) AS "notLowerHistory",
         count(*) FILTER (WHERE run_id = '${lowered.runId}')::int AS "byRun",
         max(last_synced_at)::text AS synced
       FROM sei.jira_issues`,
    );
    expect(after).toEqual({ notLower: 0, notLowerHistory: 0, byRun: before.rows, synced: before.synced });
    expect(await historyVersions(harness.warehouse)).toBe(versions);

    // Idempotent; and the normalizer of the code base puts everything back.
    expect(counts(await run(harness, { definitions: lowerCaseJira })).updated).toBe(0);
    expect(counts(await run(harness)).updated).toBe(before.rows);
    expect(await historyVersions(harness.warehouse)).toBe(versions);
  });

  it('restores damaged typed columns and child rows; rows that no longer normalize become rejects', async () => {
    const [first, second, third, fourth] = (
      await harness.warehouse.db.executeQuery<{ issue_key: string; integration_id: string; summary: string }>(
        CompiledQuery.raw(
          `SELECT integration_id, issue_key, summary FROM sei.jira_issues i WHERE EXISTS (SELECT 1 FROM
             sei.jira_issue_status_history h WHERE h.integration_id = i.integration_id AND h.issue_key = i.issue_key)
           ORDER BY issue_key LIMIT 4`,
        ),
      )
    ).rows;
    const where = (row: { issue_key: string }) => `issue_key = '${row.issue_key}'`;
    await harness.warehouse.db.executeQuery(
      CompiledQuery.raw(`UPDATE sei.jira_issues SET summary = NULL WHERE ${where(first!)}`),
    );
    await harness.warehouse.db.executeQuery(
      CompiledQuery.raw(`DELETE FROM sei.jira_issue_status_history WHERE ${where(second!)}`),
    );
    // A raw that lost its key field, and one that now names another issue.
    await harness.warehouse.db.executeQuery(
      CompiledQuery.raw(
        `UPDATE sei.jira_issues SET raw = raw - 'integration_id', summary = 'kept' WHERE ${where(third!)}`,
      ),
    );
    await harness.warehouse.db.executeQuery(
      CompiledQuery.raw(
        `UPDATE sei.jira_issues SET raw = jsonb_set(raw, '{key}', '"OTHER-1"'), summary = 'kept' WHERE ${where(fourth!)}`,
      ),
    );
    const result = await run(harness);
    expect(counts(result)).toMatchObject({ records: issues, updated: 2, rejected: 2 });
    const rows = await harness.warehouse.db.executeQuery<{
      issue_key: string;
      summary: string;
      history: number;
    }>(
      CompiledQuery.raw(
        `SELECT i.issue_key, i.summary, (SELECT count(*)::int FROM sei.jira_issue_status_history h
           WHERE h.integration_id = i.integration_id AND h.issue_key = i.issue_key) AS history
         FROM sei.jira_issues i WHERE i.issue_key IN ('${first!.issue_key}', '${second!.issue_key}', '${third!.issue_key}', '${fourth!.issue_key}')
         ORDER BY i.issue_key`,
      ),
    );
    expect(rows.rows.map((row) => row.summary)).toEqual([first!.summary, second!.summary, 'kept', 'kept']);
    expect(rows.rows[1]!.history).toBeGreaterThan(0);
    const rejects = await harness.warehouse.db.executeQuery<{ record_key: string; reason: string }>(
      CompiledQuery.raw(
        `SELECT record_key, reason FROM sei_sync.rejects WHERE run_id = '${result.runId}' ORDER BY record_key`,
      ),
    );
    expect(rejects.rows).toEqual([
      {
        record_key: `${third!.integration_id}:${third!.issue_key}`,
        reason: 'renormalize: key field integration_id is missing',
      },
      {
        record_key: `${fourth!.integration_id}:${fourth!.issue_key}`,
        reason: `renormalize: the record now normalizes to key ${fourth!.integration_id}:OTHER-1; left as stored (a --full-refresh sync re-keys it)`,
      },
    ]);
  });

  it('resumes after an interruption at the last committed batch; --restart starts over', async () => {
    const controller = new AbortController();
    const stopped = await run(harness, {
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.pages === 2) controller.abort();
      },
    });
    expect(stopped.status).toBe('failed');
    const interrupted = stopped.results[0]!;
    expect(interrupted.status === 'failed' && interrupted.error.code).toBe('SEI_SYNC_ERR_INTERRUPTED');
    const checkpoint = await readRenormalizeCheckpoint(harness.warehouse.db, 'jira_issues');
    expect(checkpoint).toMatchObject({ runId: stopped.runId, rowsDone: 80 });
    expect(checkpoint?.afterKey).toHaveLength(2);

    const resumed = await run(harness);
    expect(counts(resumed)).toMatchObject({ records: issues - 80 });
    expect(await readRenormalizeCheckpoint(harness.warehouse.db, 'jira_issues')).toBeUndefined();

    await run(harness, { signal: AbortSignal.abort() });
    expect(counts(await run(harness, { restart: true })).records).toBe(issues);
  });

  it('a stream held by a sync fails at once with the busy code, the others run', async () => {
    const result = await withStreamLock(harness.warehouse, 'org_users', () =>
      run(harness, { streams: ['org_users', 'org_units'] }),
    );
    expect(result.status).toBe('partial');
    expect(result.results.map((r) => [r.stream, r.status === 'failed' ? r.error.code : r.status])).toEqual([
      ['org_users', 'SEI_SYNC_ERR_STREAM_BUSY'],
      ['org_units', 'succeeded'],
    ]);
  });
});

describe('renormalize on the embedded database (PGlite)', () => {
  let harness: SyncHarness;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await migratedPgliteDir('sei-sync-renormalize-');
    harness = await startSyncHarness({ simulator: { records: 60, seed: 58 }, pgliteDir: dataDir });
    await runSync(harness.engine, { streams: ['jira_issues'], fullRefresh: false, trigger: 'cli' });
  });
  afterAll(async () => {
    await harness?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('re-derives the same way, with the same counts and no history versions', async () => {
    const versions = await historyVersions(harness.warehouse);
    const result = await run(harness, { definitions: lowerCaseJira, batchSize: 25 });
    const changed = await one<{ n: number }>(
      harness.warehouse,
      `SELECT count(*)::int AS n FROM sei.jira_issues WHERE run_id = '${result.runId}'`,
    );
    expect(changed.n).toBeGreaterThan(0);
    expect(counts(result)).toMatchObject({
      records: 60,
      updated: changed.n,
      unchanged: 60 - changed.n,
      pages: 3,
    });
    expect(counts(await run(harness, { definitions: lowerCaseJira })).updated).toBe(0);
    expect(await historyVersions(harness.warehouse)).toBe(versions);
  });
});
