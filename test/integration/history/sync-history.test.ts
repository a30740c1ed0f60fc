/**
 * History through the real sync engine against the simulator (the engine's change listener is the
 * history layer): the history stays in step with the entity tables across runs with changes, and the
 * BI views return sensible results on the simulator's data.
 */
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyChangeListener } from '../../../src/load/history.js';
import { STREAMS } from '../../../src/streams/registry.js';
import { STREAM_NAMES, type StreamName } from '../../../src/streams/types.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

interface Consistency {
  live: number;
  current: number;
  mismatched: number;
  deletedButCurrent: number;
}

/** Live rows vs current versions: same set of keys, same hash. */
async function consistency(harness: SyncHarness, stream: StreamName): Promise<Consistency> {
  const { name, key } = STREAMS[stream].table;
  const on = key.map((column) => `h."${column}" = e."${column}"`).join(' AND ');
  const result = await harness.warehouse.db.executeQuery<Consistency>(
    CompiledQuery.raw(`
      SELECT
        (SELECT count(*)::int FROM sei.${name} WHERE deleted_at IS NULL) AS live,
        (SELECT count(*)::int FROM sei_history.${name} WHERE valid_to IS NULL) AS current,
        (SELECT count(*)::int FROM sei.${name} e LEFT JOIN sei_history.${name} h ON ${on} AND h.valid_to IS NULL
          WHERE e.deleted_at IS NULL AND h.row_hash IS DISTINCT FROM e.row_hash) AS mismatched,
        (SELECT count(*)::int FROM sei.${name} e JOIN sei_history.${name} h ON ${on} AND h.valid_to IS NULL
          WHERE e.deleted_at IS NOT NULL) AS "deletedButCurrent"`),
  );
  return result.rows[0]!;
}

async function versionCount(harness: SyncHarness): Promise<number> {
  const parts = STREAM_NAMES.map(
    (stream) => `SELECT count(*) AS n FROM sei_history.${STREAMS[stream].table.name}`,
  );
  const result = await harness.warehouse.db.executeQuery<{ n: number }>(
    CompiledQuery.raw(`SELECT sum(n)::int AS n FROM (${parts.join(' UNION ALL ')}) t`),
  );
  return result.rows[0]!.n;
}

describe('history kept by the sync engine', () => {
  let harness: SyncHarness;

  beforeAll(async () => {
    harness = await startSyncHarness({
      simulator: { records: 120, seed: 23 },
      engine: { changeListener: historyChangeListener },
    });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('the first run opens one current version per live row', async () => {
    const run = await runSync(harness.engine, { streams: STREAM_NAMES, fullRefresh: false, trigger: 'cli' });
    expect(run.status).toBe('succeeded');
    for (const stream of STREAM_NAMES) {
      const check = await consistency(harness, stream);
      expect({ stream, ...check }).toEqual({
        stream,
        live: check.live,
        current: check.live,
        mismatched: 0,
        deletedButCurrent: 0,
      });
      expect(check.live).toBeGreaterThan(0);
    }
  });

  it('a run without changes adds no version', async () => {
    const before = await versionCount(harness);
    const run = await runSync(harness.engine, { streams: STREAM_NAMES, fullRefresh: false, trigger: 'cli' });
    expect(run.status).toBe('succeeded');
    expect(await versionCount(harness)).toBe(before);
  });

  it('updates close the previous version at the run instant; deletions close with deleted = true', async () => {
    const jira = harness.simulator.dataset.mutate('jira_issues', { update: 3, insert: 2 });
    const users = harness.simulator.dataset.mutate('org_users', { delete: 2, update: 1 });
    const prs = harness.simulator.dataset.mutate('scm_pull_requests', { update: 2 });
    const run = await runSync(harness.engine, { streams: STREAM_NAMES, fullRefresh: false, trigger: 'cli' });
    expect(run.status).toBe('succeeded');
    for (const stream of STREAM_NAMES) {
      const check = await consistency(harness, stream);
      expect({ stream, ...check }).toMatchObject({
        stream,
        current: check.live,
        mismatched: 0,
        deletedButCurrent: 0,
      });
    }
    // Each updated issue: exactly two versions, the first ending where the second begins.
    const updatedKeys = new Set(jira.updated);
    const issues = await sql<{
      integration_id: string;
      issue_key: string;
      versions: number;
      contiguous: boolean;
    }>`
      SELECT integration_id, issue_key, count(*)::int AS versions,
        bool_and(valid_to IS NULL OR valid_to = (
          SELECT min(n.valid_from) FROM sei_history.jira_issues n
          WHERE n.integration_id = h.integration_id AND n.issue_key = h.issue_key AND n.valid_from > h.valid_from)) AS contiguous
      FROM sei_history.jira_issues h GROUP BY integration_id, issue_key HAVING count(*) > 1`.execute(
      harness.warehouse.db,
    );
    expect(issues.rows.map((row) => `${row.integration_id}/${row.issue_key}`).sort()).toEqual(
      [...updatedKeys].sort(),
    );
    for (const row of issues.rows) expect(row).toMatchObject({ versions: 2, contiguous: true });
    const deleted = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM sei_history.org_users h JOIN sei.org_users e USING (user_key)
      WHERE h.deleted AND h.valid_to = e.deleted_at`.execute(harness.warehouse.db);
    expect(deleted.rows[0]?.n).toBe(users.deleted.length);
    const prVersions = await sql<{ id: string }>`
      SELECT id FROM sei_history.scm_pull_requests GROUP BY id HAVING count(*) = 2`.execute(
      harness.warehouse.db,
    );
    expect(prVersions.rows.map((row) => row.id).sort()).toEqual([...prs.updated].sort());
    // As of just before the run that changed it, an updated issue reads as it was; from then on, as it is.
    const changed = issues.rows[0]!;
    const asOf = await sql<{ before: string; after: string; stored: string }>`
      SELECT
        (SELECT row_hash FROM sei_history.jira_issues_as_of(v.valid_from - interval '1 millisecond') a
          WHERE a.integration_id = v.integration_id AND a.issue_key = v.issue_key) AS before,
        (SELECT row_hash FROM sei_history.jira_issues_as_of(v.valid_from) a
          WHERE a.integration_id = v.integration_id AND a.issue_key = v.issue_key) AS after,
        (SELECT row_hash FROM sei.jira_issues e
          WHERE e.integration_id = v.integration_id AND e.issue_key = v.issue_key) AS stored
      FROM sei_history.jira_issues v
      WHERE v.integration_id = ${changed.integration_id} AND v.issue_key = ${changed.issue_key} AND v.valid_to IS NULL`.execute(
      harness.warehouse.db,
    );
    const { before, after, stored } = asOf.rows[0]!;
    expect(after).toBe(stored);
    expect(before).toBeTruthy();
    expect(before).not.toBe(stored);
  });

  it('every BI view answers with plausible numbers on the synced data', async () => {
    const db = harness.warehouse.db;
    const count = async (view: string) =>
      (
        await db.executeQuery<{ n: number }>(
          CompiledQuery.raw(`SELECT count(*)::int AS n FROM sei_bi.${view}`),
        )
      ).rows[0]!.n;
    for (const view of [
      'pr_cycle_time',
      'pr_cycle_time_monthly',
      'jira_lead_time',
      'jira_lead_time_monthly',
      'jira_time_in_status',
      'jira_time_in_status_summary',
      'deployments',
      'deployment_metrics_monthly',
      'deployment_metrics_by_job_monthly',
      'contributor_identities',
      'contribution_events',
      'contributor_activity_monthly',
      'team_members',
      'team_activity_monthly',
      'data_freshness',
      'record_changes_daily',
    ])
      expect({ view, rows: (await count(view)) > 0 }).toEqual({ view, rows: true });
    const negatives = await sql<{ n: number }>`
      SELECT (SELECT count(*) FROM sei_bi.pr_cycle_time WHERE cycle_time_hours < 0 OR hours_to_first_review < 0)
        + (SELECT count(*) FROM sei_bi.jira_lead_time WHERE lead_time_days < 0)
        + (SELECT count(*) FROM sei_bi.jira_time_in_status WHERE hours_in_status < 0) AS n`.execute(db);
    expect(Number(negatives.rows[0]?.n)).toBe(0);
    const rates = await sql<{ bad: number }>`
      SELECT count(*)::int AS bad FROM sei_bi.deployment_metrics_monthly
      WHERE change_failure_rate < 0 OR change_failure_rate > 1`.execute(db);
    expect(rates.rows[0]?.bad).toBe(0);
    // Most commits are attributed to a contributor (the simulator maps all but a few external logins).
    const attributed = await sql<{ share: number }>`
      SELECT avg((user_key IS NOT NULL)::int)::float AS share FROM sei_bi.contribution_events`.execute(db);
    expect(attributed.rows[0]?.share).toBeGreaterThan(0.8);
    const fresh = await sql<{ stream: string; last_status: string }>`
      SELECT stream, last_status FROM sei_bi.data_freshness ORDER BY stream`.execute(db);
    expect(fresh.rows.every((row) => row.last_status === 'succeeded')).toBe(true);
  });
});
