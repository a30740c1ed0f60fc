/**
 * What the SEI server's own code does, survived by the sync (see README, "SEI API notes"): request
 * shapes each endpoint's parser takes, the categories route the server really serves, commits ingested
 * long after they were committed, and Jira's daily snapshots switching under a walk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../src/state/checkpoints.js';
import { STREAM_NAMES, type StreamName } from '../../../src/streams/types.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { countRows, diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const exact = { missing: [], unexpected: [], different: [] };

/** The bodies the simulator received on a stream's route (200s only). */
function bodies(harness: SyncHarness, route: string): Record<string, unknown>[] {
  return harness.simulator.requestLog
    .filter((entry) => entry.path.endsWith(route) && entry.status === 200)
    .map((entry) => entry.body ?? {});
}

describe('the sync against what the server code does', () => {
  let harness: SyncHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  const sync = (streams: readonly StreamName[], fullRefresh = false) =>
    runSync(harness!.engine, { streams, fullRefresh, trigger: 'cli' });

  it('sends every endpoint the request shape its parser takes', async () => {
    harness = await startSyncHarness({ simulator: { records: 60, seed: 41 } });
    const run = await sync(STREAM_NAMES);
    expect(run.results.filter((r) => r.status !== 'succeeded')).toEqual([]);
    // CI/CD: string bounds (a number is a 500), a non-time `across` (the default hides runs > 90 days).
    for (const body of bodies(harness, '/v1/cicd/job_runs/list')) {
      expect(body.across).toBe('job_status');
      const range = (body.filter as Record<string, Record<string, unknown>>).end_time!;
      expect(typeof range.$gt).toBe('string');
      expect(typeof range.$lt).toBe('string');
    }
    // Integrations: numbers in int range.
    for (const body of bodies(harness, '/v1/integrations/list')) {
      const range = (body.filter as Record<string, Record<string, unknown>>).updated_at!;
      expect(Number.isInteger(range.$gt) && Number.isInteger(range.$lt)).toBe(true);
      expect(range.$lt as number).toBeLessThan(2 ** 31);
    }
    // Jira, work items, PRs: both bounds always (Elasticsearch tenants apply a range only with both),
    // the database path forced, one sort key.
    for (const [route, field] of [
      ['/v1/jira_issues/list', 'issue_updated_at'],
      ['/v1/issue_mgmt/workitems/list', 'workitem_updated_at'],
      ['/v1/scm/prs/list', 'pr_updated_at'],
      ['/v1/scm/commits/list', 'created_at'],
    ] as const) {
      for (const body of bodies(harness, route)) {
        const range = (body.filter as Record<string, Record<string, unknown>>)[field]!;
        expect(range.$gt, route).toBeDefined();
        expect(range.$lt, route).toBeDefined();
        expect(body.sort).toEqual([{ id: field, desc: false }]);
      }
      const queries = harness.simulator.requestLog.filter((e) => e.path.endsWith(route)).map((e) => e.query);
      expect(
        queries.every((query) => query.includes('force_source=db')),
        route,
      ).toBe(true);
    }
    // Collection categories: `page_size` (the server binds nothing else).
    for (const body of bodies(harness, '/v1/org/groups/list')) expect(body.page_size).toBeDefined();
    // Work items carry their sprints only when the filter asks for them.
    for (const body of bodies(harness, '/v1/issue_mgmt/workitems/list'))
      expect((body.filter as Record<string, unknown>).include_sprint_full_names).toBe(true);
    // Map<String,String> bounds (strings), exclusive; CI/CD tests sorted by every key, `id` last.
    for (const [route, field] of [
      ['/v1/user_identities/list', 'updated_at'],
      ['/v1/cicd/job_runs/tests/list', 'end_time'],
    ] as const) {
      for (const body of bodies(harness, route)) {
        const range = (body.filter as Record<string, Record<string, unknown>>)[field]!;
        expect([typeof range.$gt, typeof range.$lt], route).toEqual(['string', 'string']);
      }
    }
    for (const body of bodies(harness, '/v1/cicd/job_runs/tests/list'))
      expect(body.sort).toEqual([
        { id: 'end_time', desc: false },
        { id: 'id', desc: false },
      ]);
    for (const body of bodies(harness, '/v1/scm/issues/list')) {
      const range = (body.filter as Record<string, Record<string, unknown>>).issue_updated_at!;
      expect([typeof range.$gt, typeof range.$lt]).toEqual(['number', 'number']);
    }
    // The lists of the streams added since: each read whole in one request (they are far below the page).
    for (const route of [
      '/v1/jira_issues/sprints/list',
      '/v1/jira_fields/list',
      '/v1/jiraprojects/list',
      '/v1/issue_mgmt/sprints/list',
      '/v1/cicd/instances/list',
      '/v1/pagerduty/aggregations/incidents/list',
      '/v1/pagerduty/aggregations/alerts/list',
      '/v1/products/list',
      '/v1/velocity_configs/list',
    ])
      expect(
        bodies(harness, route).map((body) => [body.page, body.page_size]),
        route,
      ).toEqual([[0, 10_000]]);
    // The jobs endpoint fails as its code does: one request, not retried, the rows derived from job runs.
    expect(
      harness.simulator.requestLog.filter((e) => e.path.endsWith('/v1/cicd/jobs/list')).map((e) => e.status),
    ).toEqual([500]);
    for (const stream of STREAM_NAMES) expect(await diffStream(harness, stream)).toMatchObject(exact);
  });

  it('collection categories: tries the documented route, answers on the server one, remembers it', async () => {
    harness = await startSyncHarness({ simulator: { records: 10, seed: 42 } });
    const statuses = () =>
      harness!.simulator.requestLog
        .filter((entry) => /\/v1\/org\/(workspaces|groups|categories)\//.test(entry.path))
        .map((entry) => `${entry.path} ${entry.status}`);
    expect((await sync(['collection_categories'])).status).toBe('succeeded');
    expect(statuses()[0]).toBe('/v1/org/workspaces/units/list 404');
    expect(
      statuses()
        .slice(1)
        .every((line) => line === '/v1/org/groups/list 200'),
    ).toBe(true);
    expect((await readCheckpoint(harness.warehouse.db, 'collection_categories'))?.endpointPath).toBe(
      '/v1/org/groups/list',
    );
    expect(await diffStream(harness, 'collection_categories')).toMatchObject(exact);

    harness.simulator.clearRequestLog();
    expect((await sync(['collection_categories'])).status).toBe('succeeded');
    expect(statuses().every((line) => line === '/v1/org/groups/list 200')).toBe(true);
  });

  it('collection categories: SEI_CATEGORIES_PATH forces a route', async () => {
    harness = await startSyncHarness({
      simulator: { records: 10, seed: 43 },
      env: { SEI_CATEGORIES_PATH: 'v1/org/categories/list' },
    });
    expect((await sync(['collection_categories'])).status).toBe('succeeded');
    const routes = new Set(
      harness.simulator.requestLog
        .filter((entry) => /\/v1\/org\/(workspaces|groups|categories)\//.test(entry.path))
        .map((entry) => entry.path),
    );
    expect([...routes]).toEqual(['/v1/org/categories/list']);
    expect(await diffStream(harness, 'collection_categories')).toMatchObject(exact);
  });

  it('commits ingested long after they were committed are synced (the cursor is the ingest time)', async () => {
    harness = await startSyncHarness({ simulator: { records: 80, seed: 44 } });
    expect((await sync(['scm_commits'])).status).toBe('succeeded');
    const { inserted } = harness.simulator.dataset.mutate('scm_commits', { lateInsert: 4 });
    expect(inserted).toHaveLength(4);
    const next = await sync(['scm_commits']);
    expect(next.results[0]).toMatchObject({ status: 'succeeded', counts: { inserted: 4 } });
    expect(await diffStream(harness, 'scm_commits')).toMatchObject(exact);
    // Committed weeks ago: a window on committed_at since the last run would not have held them.
    expect(
      await countRows(
        harness.warehouse,
        'scm_commits',
        "committed_at < now() - interval '19 days' AND created_at > now() - interval '1 hour'",
      ),
    ).toBe(4);
  });

  it('a walk whose pages came from two daily snapshots is read again until one snapshot serves it all', async () => {
    harness = await startSyncHarness({ simulator: { records: 300, seed: 45 }, env: { SEI_PAGE_SIZE: '20' } });
    // The snapshot switches while the walk reads its pages (after the counts and a few pages, whatever
    // has been committed by then): the pages read before carry the old one.
    harness.simulator.switchSnapshotDuringWalk('jira_issues', 14, { update: 6, delete: 2 });
    const run = await runSync(harness.engine, {
      streams: ['jira_issues'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(run.results[0]).toMatchObject({ status: 'succeeded' });
    const ledger = await harness.warehouse.db
      .selectFrom('sei_sync.stream_runs')
      .select(['summary'])
      .where('run_id', '=', run.runId)
      .executeTakeFirstOrThrow();
    // The summary names the one snapshot per integration the final read came from.
    const summary = ledger.summary as { snapshots: Record<string, number[]> };
    for (const values of Object.values(summary.snapshots)) expect(values).toHaveLength(1);
    const rereads = harness.simulator.requestLog.filter((e) => e.path.endsWith('/jira_issues/list')).length;
    expect(rereads).toBeGreaterThan(300 / 20);
    // Every row carries the new snapshot, the changed issues are current, the vanished ones deleted.
    expect(await diffStream(harness, 'jira_issues')).toMatchObject(exact);
  });

  it('a snapshot that switches after the last page is seen by the tail, and the walk is read again', async () => {
    harness = await startSyncHarness({ simulator: { records: 300, seed: 46 }, env: { SEI_PAGE_SIZE: '20' } });
    // Every record of the walk is committed from the old snapshot; issues updated in the new one, after
    // the window's end, are what the tail reads. The engine's clock runs 5 s behind until the switch, so
    // that "after the window's end" does not depend on how fast this machine walks 300 records.
    let lagMs = 5_000;
    const engine = harness.newEngine({ now: () => new Date(Date.now() - lagMs) });
    let switched = false;
    const run = await runSync(engine, {
      streams: ['jira_issues'],
      fullRefresh: false,
      trigger: 'cli',
      onProgress: (progress) => {
        if (progress.records >= 300 && !switched) {
          switched = true;
          harness!.simulator.dataset.switchSnapshot('jira_issues', { delete: 2 });
          harness!.simulator.dataset.mutate('jira_issues', { update: 6 });
          lagMs = 0;
        }
      },
    });
    expect(switched).toBe(true);
    expect(run.results[0]).toMatchObject({ status: 'succeeded' });
    const ledger = await harness.warehouse.db
      .selectFrom('sei_sync.stream_runs')
      .select(['summary'])
      .where('run_id', '=', run.runId)
      .executeTakeFirstOrThrow();
    const summary = ledger.summary as { snapshots: Record<string, number[]> };
    for (const values of Object.values(summary.snapshots)) expect(values).toHaveLength(1);
    expect(await diffStream(harness, 'jira_issues')).toMatchObject(exact);
  });
});
