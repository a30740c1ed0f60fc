/**
 * SEI 2.0 through `sei-sync sync` (runSync on the configured engine) against the simulator: every
 * export type and the org dimensions load, every export row joins to its team and (developer level)
 * its developer, a re-run restates exactly the periods the server restated, and a failed job, a stuck
 * job and the 30-minute reuse each behave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V2_STREAM_NAMES } from '../../../src/streams/types.js';
import { startV2Harness, type V2Harness } from './harness.js';

const MINUTE = 60_000;

describe('SEI 2.0 streams', () => {
  let h: V2Harness;

  beforeAll(async () => {
    h = await startV2Harness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('load every export type and the org structure in one sync, each row joined to its team', async () => {
    const run = await h.sync();
    expect(
      run.results.map((r) => [r.stream, r.status, r.status === 'failed' ? r.error.message : '']),
    ).toEqual(V2_STREAM_NAMES.map((name) => [name, 'succeeded', '']));
    expect(run.status).toBe('succeeded');
    // Per export stream: the org tree list, then per tree a create, three polls (queued, processing,
    // completed) and the download; each stream counts its own although they share one client.
    const trees = h.sim.v2.org.trees.length;
    const requests = Object.fromEntries(
      run.results.map((r) => [r.stream, r.status === 'succeeded' ? r.counts.requests : -1]),
    );
    expect(requests.v2_efficiency).toBe(1 + trees * 5);
    expect(requests.v2_sprint).toBe(1 + trees * 5);

    const org = h.sim.v2.org;
    const [dims] = await h.rows<Record<string, number>>(`
      SELECT (SELECT count(*) FROM sei_v2.org_trees WHERE valid_to IS NULL)::int AS trees,
             (SELECT count(*) FROM sei_v2.teams WHERE valid_to IS NULL)::int AS teams,
             (SELECT count(*) FROM sei_v2.developers WHERE valid_to IS NULL)::int AS developers,
             (SELECT count(*) FROM sei_v2.team_members WHERE valid_to IS NULL)::int AS members,
             (SELECT count(*) FROM sei_v2.integrations WHERE valid_to IS NULL)::int AS integrations`);
    expect(dims).toEqual({
      trees: org.trees.length,
      teams: org.teams.size,
      developers: org.developers.length,
      members: org.developers.length,
      integrations: org.trees.length * org.integrationsJson().length,
    });

    // Every file the simulator wrote is in the tables: its rows and each metric cell.
    const jobs = [...h.sim.v2.exports.jobs.values()];
    const expected = new Map<string, { rows: number; cells: number }>();
    for (const job of jobs) {
      const lines = h.sim.v2.exports.csv(job).trimEnd().split('\n').length - 1;
      const sum = expected.get(job.type) ?? { rows: 0, cells: 0 };
      expected.set(job.type, { rows: sum.rows + lines, cells: sum.cells + lines * job.plan.columns.length });
    }
    const loaded = await h.rows<{ export_type: string; rows: number; cells: number }>(`
      SELECT r.export_type, count(DISTINCT r.row_key)::int AS rows, count(m.metric)::int AS cells
      FROM sei_v2.export_rows r LEFT JOIN sei_v2.export_metrics m USING (export_type, scope, row_key)
      GROUP BY 1 ORDER BY 1`);
    expect(loaded).toEqual(
      [...expected.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([type, n]) => ({ export_type: type, ...n })),
    );
    expect(loaded.map((row) => row.export_type)).toEqual([
      'ba',
      'efficiency',
      'productivity',
      'sprint',
      'ticket-data',
    ]);

    const [joins] = await h.rows<Record<string, number>>(`
      SELECT count(*) FILTER (WHERE team_ref_id IS NULL)::int AS without_team,
             count(*) FILTER (WHERE export_type = 'productivity' AND developer_ref_id IS NULL)::int AS without_developer,
             count(*) FILTER (WHERE export_type = 'productivity')::int AS developer_rows
      FROM sei_bi.v2_export_rows`);
    expect(joins).toMatchObject({ without_team: 0, without_developer: 0 });
    expect(joins?.developer_rows).toBeGreaterThan(0);

    const [dora] = await h.rows<Record<string, number>>(`
      SELECT count(*)::int AS n, count(deployment_frequency)::int AS df, count(mttr_hours)::int AS mttr
      FROM sei_bi.v2_dora`);
    expect(dora?.n).toBeGreaterThan(0);
    expect(dora).toMatchObject({ df: dora?.n, mttr: dora?.n });
    const staging = await h.rows(`SELECT 1 FROM sei_v2.export_staging`);
    expect(staging).toEqual([]);
  });

  it('reuses an identical export within 30 minutes and changes nothing', async () => {
    const jobsBefore = h.sim.v2.exports.jobs.size;
    const changesBefore = await h.rows(`SELECT 1 FROM sei_v2.export_changes`);
    const run = await h.sync(['v2_efficiency']);
    expect(run.results[0]).toMatchObject({
      status: 'succeeded',
      counts: { inserted: 0, updated: 0, deleted: 0 },
    });
    expect(run.results[0]?.status === 'succeeded' && run.results[0].note).toMatch(
      /reused 2 identical exports/,
    );
    expect(h.sim.v2.exports.jobs.size).toBe(jobsBefore);
    expect(await h.rows(`SELECT 1 FROM sei_v2.export_changes`)).toHaveLength(changesBefore.length);
  });

  it('restates exactly the periods the server restated, with their history', async () => {
    const periods = (
      await h.rows<{ p: string }>(`
        SELECT DISTINCT period_start::text AS p FROM sei_v2.export_rows WHERE export_type = 'efficiency' ORDER BY 1`)
    ).map((row) => row.p);
    const from = periods[periods.length - 4] as string;
    const before = await h.rows<{ row_key: string; run_id: string; p: string }>(`
      SELECT row_key, run_id::text, period_start::text AS p FROM sei_v2.export_rows WHERE export_type = 'efficiency'`);
    h.sim.v2.exports.restate(from);
    h.clock.ms += 31 * MINUTE;

    const run = await h.sync(['v2_efficiency']);
    expect(run.results[0]?.status).toBe('succeeded');
    const restated = periods.filter((p) => p >= from);
    const rowsRestated = before.filter((row) => row.p >= from).length;
    expect(run.results[0]).toMatchObject({
      counts: { updated: rowsRestated, inserted: 0, deleted: 0, unchanged: before.length - rowsRestated },
    });

    const changed = await h.rows<{ p: string; change: string }>(`
      SELECT DISTINCT period_start::text AS p, change FROM sei_v2.export_changes
      WHERE export_type = 'efficiency' AND run_id = '${run.runId}' ORDER BY 1`);
    expect(changed).toEqual(restated.map((p) => ({ p, change: 'changed' })));

    const after = await h.rows<{ row_key: string; run_id: string; p: string }>(`
      SELECT row_key, run_id::text, period_start::text AS p FROM sei_v2.export_rows WHERE export_type = 'efficiency'`);
    const runOf = new Map(before.map((row) => [row.row_key, row.run_id]));
    for (const row of after) {
      if (row.p >= from) expect(row.run_id).toBe(run.runId);
      else expect(row.run_id).toBe(runOf.get(row.row_key));
    }
    expect(after).toHaveLength(before.length);
  });

  it('fails a stream whose job fails, loading nothing of it', async () => {
    const before = await h.rows(
      `SELECT row_key, row_hash FROM sei_v2.export_rows WHERE export_type = 'ba' ORDER BY 1`,
    );
    h.sim.v2.setFaults({ fate: { ba: 'fail' } });
    h.clock.ms += 31 * MINUTE;
    h.sim.v2.exports.restate(new Date(h.clock.ms - 365 * 86_400_000).toISOString().slice(0, 10));
    try {
      const run = await h.sync(['v2_business_alignment']);
      expect(run.results[0]).toMatchObject({
        status: 'failed',
        error: { code: 'SEI_SYNC_ERR_V2_EXPORT_FAILED' },
      });
      expect(run.results[0]?.status === 'failed' && run.results[0].error.message).toMatch(/ended FAILED/);
    } finally {
      h.sim.v2.setFaults({ fate: {} });
    }
    expect(
      await h.rows(`SELECT row_key, row_hash FROM sei_v2.export_rows WHERE export_type = 'ba' ORDER BY 1`),
    ).toEqual(before);
    expect(await h.rows(`SELECT 1 FROM sei_v2.export_staging`)).toEqual([]);
  });

  it('gives up on a job that never completes, within the configured wait, loading nothing', async () => {
    const before = await h.rows(
      `SELECT row_key, row_hash FROM sei_v2.export_rows WHERE export_type = 'sprint' ORDER BY 1`,
    );
    h.sim.v2.setFaults({ fate: { sprint: 'stuck' } });
    h.clock.ms += 31 * MINUTE;
    try {
      const run = await h.sync(['v2_sprint'], { SEI_V2_EXPORT_TIMEOUT_MS: '40' });
      expect(run.results[0]).toMatchObject({
        status: 'failed',
        error: { code: 'SEI_SYNC_ERR_V2_EXPORT_TIMEOUT' },
      });
      expect(run.results[0]?.status === 'failed' && run.results[0].error.message).toMatch(
        /still PROCESSING after \d+ polls/,
      );
    } finally {
      h.sim.v2.setFaults({ fate: {} });
    }
    expect(
      await h.rows(
        `SELECT row_key, row_hash FROM sei_v2.export_rows WHERE export_type = 'sprint' ORDER BY 1`,
      ),
    ).toEqual(before);
  });
});
