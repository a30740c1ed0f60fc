/**
 * A sync of the DORA snapshot streams against the simulator (which computes DORA from its own dataset
 * as DoraService does): every collection with a workflow profile gets its buckets and as-of stats, the
 * ones without are skipped with a note; a record changed in SEI restates a past bucket, and the history
 * keeps the old and the new count; the side-by-side view puts SEI's count beside the warehouse's own.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStreamList } from '../../../src/streams/registry.js';
import type { AnyStreamName } from '../../../src/streams/types.js';
import { runSync } from '../../../src/sync/index.js';
import { deleteRecord, editRecord, liveRecords } from '../../support/server-edits.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { AS_OF, SOURCES } from './sources.js';

const DORA: AnyStreamName[] = ['dora_buckets', 'dora_snapshots', 'dora_drilldown', 'sei_contributors'];

let harness: SyncHarness;

function engineAt(iso: string, asOf = AS_OF) {
  return harness.newEngine({
    config: { ...harness.config, dora: { ...harness.config.dora, asOf } },
    now: () => new Date(iso),
  });
}

const query = async <R>(text: string) => (await sql<R>`${sql.raw(text)}`.execute(harness.warehouse.db)).rows;

beforeAll(async () => {
  harness = await startSyncHarness({ simulator: { seed: 5, records: 400 } });
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

describe('DORA snapshot streams', () => {
  it('fills the DORA tables for every collection with a profile and notes the others', async () => {
    const run = await runSync(engineAt('2024-12-01T06:00:00Z'), {
      streams: [...SOURCES, ...DORA],
      fullRefresh: false,
      trigger: 'cli',
    });
    for (const result of run.results) expect(result, result.stream).toMatchObject({ status: 'succeeded' });
    const units = liveRecords(harness.simulator, 'org_units').map(({ record }) => record);
    const withProfile = units.filter((unit) => unit.workflow_profile_id).map((unit) => String(unit.id));
    const without = units.filter((unit) => !unit.workflow_profile_id).map((unit) => String(unit.id));
    expect(withProfile.length).toBeGreaterThan(0);
    expect(without.length).toBeGreaterThan(0);
    const buckets = await query<{ collection_id: string; metric: string; days: string }>(
      'SELECT collection_id, metric, count(*) AS days FROM sei.dora_buckets GROUP BY 1, 2 ORDER BY 1, 2',
    );
    // 90 whole days before 2024-12-01, for DF and CFR, for every collection with a profile.
    expect(new Set(buckets.map((b) => b.collection_id))).toEqual(new Set(withProfile));
    for (const bucket of buckets) expect(Number(bucket.days)).toBe(90);
    const snapshots = await query<{ collection_id: string; metrics: string[] }>(
      `SELECT collection_id, array_agg(metric ORDER BY metric) AS metrics FROM sei.dora_snapshots
       WHERE snapshot_date = '2024-12-01' GROUP BY 1`,
    );
    expect(new Set(snapshots.map((s) => s.collection_id))).toEqual(new Set(withProfile));
    const note = run.results.find((r) => r.stream === 'dora_buckets');
    expect(JSON.stringify(note)).toContain(`${without.length} without one skipped`);
    const contributors = await query<{ n: string }>('SELECT count(*) AS n FROM sei.sei_contributors');
    expect(Number(contributors[0]?.n)).toBeGreaterThan(0);
  }, 120_000);

  it('a record changed in SEI restates a past bucket; history holds the old and the new count', async () => {
    // A merged PR SEI counted for collection 76 (SCM profile) in the window: unmerge it.
    const [counted] = await query<{ row_id: string; day: string }>(
      `SELECT row_id, (deployed_at AT TIME ZONE 'UTC')::date::text AS day FROM sei.dora_drilldown
       WHERE collection_id = '76' AND widget = 'deployment_frequency_report' ORDER BY row_id LIMIT 1`,
    );
    expect(counted).toBeDefined();
    const prId = counted!.row_id.split(':').at(-1);
    const pr = liveRecords(harness.simulator, 'scm_pull_requests').find(({ record }) => record.id === prId);
    expect(pr).toBeDefined();
    const before = await query<{ count: number }>(
      `SELECT count FROM sei.dora_buckets WHERE collection_id = '76' AND metric = 'deployment_frequency' AND day = '${counted!.day}'`,
    );
    editRecord(harness.simulator, 'scm_pull_requests', pr!.ordinal, { merged: false, state: 'closed' });
    const run = await runSync(engineAt('2024-12-01T07:00:00Z'), {
      streams: ['dora_buckets'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(run.results[0]).toMatchObject({ status: 'succeeded' });
    const versions = await query<{ count: string; current: boolean }>(
      `SELECT raw->>'count' AS count, valid_to IS NULL AS current FROM sei_history.dora_buckets
       WHERE collection_id = '76' AND metric = 'deployment_frequency' AND day = '${counted!.day}' ORDER BY valid_from`,
    );
    expect(versions).toEqual([
      { count: String(before[0]?.count), current: false },
      { count: String(Number(before[0]?.count) - 1), current: true },
    ]);
  }, 120_000);

  it('a collection deleted from SEI is no longer snapshotted; its rows and history stay', async () => {
    const unit = liveRecords(harness.simulator, 'org_units').find(({ record }) => String(record.id) === '80');
    expect(unit?.record.workflow_profile_id).toBeTruthy();
    deleteRecord(harness.simulator, 'org_units', unit!.ordinal);
    const rowsBefore = await query<{ n: string }>(
      "SELECT count(*) AS n FROM sei.dora_snapshots WHERE collection_id = '80'",
    );
    const run = await runSync(engineAt('2024-12-02T06:00:00Z', new Date('2024-12-02T00:00:00Z')), {
      streams: ['org_units', 'dora_snapshots'],
      fullRefresh: false,
      trigger: 'cli',
    });
    for (const result of run.results) expect(result, result.stream).toMatchObject({ status: 'succeeded' });
    // Not asked at all (SEI would answer 500 for it): it is no longer among the collections with a profile.
    const live = liveRecords(harness.simulator, 'org_units').filter(
      ({ record }) => record.workflow_profile_id,
    );
    const note = JSON.stringify(run.results.find((result) => result.stream === 'dora_snapshots'));
    expect(note).toContain(`${live.length} collections with a workflow profile`);
    expect(note).not.toContain('collection 80 ');
    const dates = await query<{ collection_id: string; dates: string[] }>(
      `SELECT collection_id, array_agg(snapshot_date ORDER BY snapshot_date) AS dates FROM sei.dora_snapshots
       WHERE metric = 'deployment_frequency' AND collection_id IN ('76', '80') GROUP BY 1 ORDER BY 1`,
    );
    // A day later: collection 76 has a second as-of row, the deleted 80 keeps its first and gets no other.
    expect(dates).toEqual([
      { collection_id: '76', dates: ['2024-12-01', '2024-12-02'] },
      { collection_id: '80', dates: ['2024-12-01'] },
    ]);
    const rowsAfter = await query<{ n: string }>(
      "SELECT count(*) AS n FROM sei.dora_snapshots WHERE collection_id = '80'",
    );
    expect(rowsAfter).toEqual(rowsBefore);
    // Its buckets stay live, each with its current version (90 days per metric SEI could compute).
    const history = await query<{ live: string; current: string }>(
      `SELECT (SELECT count(*) FROM sei.dora_buckets WHERE collection_id = '80' AND deleted_at IS NULL) AS live,
        (SELECT count(*) FROM sei_history.dora_buckets WHERE collection_id = '80' AND valid_to IS NULL) AS current`,
    );
    expect(Number(history[0]?.live) % 90).toBe(0);
    expect(Number(history[0]?.live)).toBeGreaterThan(0);
    expect(history[0]?.current).toBe(history[0]?.live);
  }, 120_000);

  it('collections whose profile was deleted are not asked (SEI would answer 500) and are named', async () => {
    const profile = liveRecords(harness.simulator, 'workflow_profiles')[1];
    const units = liveRecords(harness.simulator, 'org_units')
      .map(({ record }) => record)
      .filter((unit) => unit.workflow_profile_id === profile?.record.id)
      .map((unit) => String(unit.id));
    expect(units.length).toBeGreaterThan(0);
    deleteRecord(harness.simulator, 'workflow_profiles', profile!.ordinal);
    const run = await runSync(engineAt('2024-12-02T08:00:00Z', new Date('2024-12-02T00:00:00Z')), {
      streams: ['workflow_profiles', 'dora_snapshots'],
      fullRefresh: false,
      trigger: 'cli',
    });
    for (const result of run.results) expect(result, result.stream).toMatchObject({ status: 'succeeded' });
    const note = JSON.stringify(run.results.find((result) => result.stream === 'dora_snapshots'));
    expect(note).toContain(`${units.length} whose profile was deleted skipped (${units.join(', ')})`);
    expect(note).not.toContain('Failed to get workflow profile');
  }, 120_000);

  it('verify does not take the DORA streams (SEI gives no count to compare): one line, no request', () => {
    // The verify command and scheduled verifies name streams through parseStreamList: 1.0 lists only.
    harness.simulator.clearRequestLog();
    expect(() => parseStreamList('jira_issues,dora_buckets')).toThrow(
      /^unknown stream: dora_buckets \(valid: integrations, /,
    );
    expect(harness.simulator.requestLog).toHaveLength(0);
  });

  it("the side-by-side view puts SEI's count beside the warehouse's own for the same days", async () => {
    const rows = await query<{ metric: string; source: string; sei: string; own: string }>(
      `SELECT metric, source, sum(sei_count) AS sei, sum(own_count) AS own FROM sei_bi.sei_dora_side_by_side
       WHERE collection_id = '77' GROUP BY 1, 2 ORDER BY 1`,
    );
    expect(rows.map((row) => [row.metric, row.source])).toEqual([
      ['change_failure_rate', 'CICD'],
      ['deployment_frequency', 'CICD'],
    ]);
    const sei = await query<{ total: string }>(
      `SELECT sum(count) AS total FROM sei.dora_buckets WHERE collection_id = '77' AND metric = 'deployment_frequency'`,
    );
    expect(rows[1]?.sei).toBe(sei[0]?.total);
    expect(Number(rows[1]?.own)).toBeGreaterThanOrEqual(Number(rows[1]?.sei));
  }, 60_000);
});
