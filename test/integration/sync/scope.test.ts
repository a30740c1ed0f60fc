/**
 * What a sync covers: a backfill horizon (SEI_START_DATE / --since) and a selection of integrations
 * (SEI_INTEGRATION_IDS / --integrations). Deletions are decided only within what was walked, and a
 * cursor reached for one scope is not used for another.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../src/state/checkpoints.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { countRows, diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

/** Issue updated-at values of the simulator's Jira issues, sorted. */
const updatedTimes = (harness: SyncHarness) =>
  harness.simulator.dataset
    .records('jira_issues')
    .map((record) => record.issue_updated_at as number)
    .sort((a, b) => a - b);

describe('sync scope', () => {
  let harness: SyncHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('a backfill horizon: nothing older is read, and a full refresh never deletes older rows', async () => {
    harness = await startSyncHarness({ simulator: { records: 200, seed: 51 } });
    // An unscoped first sync fills everything.
    expect(
      (await runSync(harness.engine, { streams: ['jira_issues'], fullRefresh: false, trigger: 'cli' }))
        .status,
    ).toBe('succeeded');
    const median = updatedTimes(harness)[100]!;
    const since = new Date(median * 1000);
    const scoped = harness.newEngine({
      config: { ...harness.config, scope: { startDate: since, integrationIds: undefined } },
    });
    // Issues older than the horizon disappear from SEI: a full refresh from the horizon leaves them.
    harness.simulator.dataset.mutate('jira_issues', { delete: 20 });
    const before = harness.simulator.requestLog.length;
    const run = await runSync(scoped, { streams: ['jira_issues'], fullRefresh: true, trigger: 'cli' });
    expect(run.status).toBe('succeeded');
    const deleted = await countRows(harness.warehouse, 'jira_issues', 'deleted_at IS NOT NULL');
    const deletedOld = await countRows(
      harness.warehouse,
      'jira_issues',
      `deleted_at IS NOT NULL AND issue_updated_at < '${since.toISOString()}'`,
    );
    expect(deletedOld).toBe(0);
    expect(deleted).toBeGreaterThan(0);
    // Every request of the scoped walk asked from the horizon on.
    const lowerBounds = harness.simulator.requestLog
      .slice(before)
      .filter((entry) => entry.path.endsWith('/jira_issues/list') && entry.body?.filter)
      .map(
        (entry) => Number((entry.body!.filter as Record<string, { $gt: number }>).issue_updated_at!.$gt) + 1,
      );
    expect(lowerBounds.length).toBeGreaterThan(0);
    expect(Math.min(...lowerBounds)).toBeGreaterThanOrEqual(median);
    expect((await readCheckpoint(harness.warehouse.db, 'jira_issues'))?.cursorScope).toEqual({
      from: median,
      integrationIds: null,
    });
  });

  it('an integration selection: only those integrations, deletions only among them, the cursor kept per scope', async () => {
    harness = await startSyncHarness({ simulator: { records: 200, seed: 52 } });
    const everything = () =>
      runSync(harness!.engine, { streams: ['jira_issues', 'org_users'], fullRefresh: false, trigger: 'cli' });
    expect((await everything()).status).toBe('succeeded');
    const all = await countRows(harness.warehouse, 'jira_issues');
    const only379 = harness.newEngine({
      config: { ...harness.config, scope: { startDate: undefined, integrationIds: ['379'] } },
    });
    // Issues of 378 vanish from SEI: a full refresh limited to 379 must not mark them deleted.
    const gone378 = harness.simulator.dataset
      .records('jira_issues')
      .filter((record) => record.integration_id === '378')
      .slice(0, 3);
    expect(gone378).toHaveLength(3);
    harness.simulator.dataset.mutate('jira_issues', { delete: 6 });
    harness.simulator.clearRequestLog();
    const run = await runSync(only379, {
      streams: ['jira_issues', 'org_users'],
      fullRefresh: true,
      trigger: 'cli',
    });
    expect(run.status).toBe('succeeded');
    const jiraBodies = harness.simulator.requestLog
      .filter((entry) => entry.path.endsWith('/jira_issues/list'))
      .map((entry) => ((entry.body?.filter ?? {}) as Record<string, unknown>).integration_ids);
    expect(jiraBodies.filter((ids) => JSON.stringify(ids) !== '["379"]')).toEqual([]);
    // Org users have no integration filter: the selection does not apply to them.
    const userBodies = harness.simulator.requestLog.filter((entry) => entry.path.endsWith('/org/users/list'));
    expect(
      userBodies.every((entry) => !(entry.body?.filter as Record<string, unknown>)?.integration_ids),
    ).toBe(true);
    expect(
      await countRows(harness.warehouse, 'jira_issues', "deleted_at IS NOT NULL AND integration_id <> '379'"),
    ).toBe(0);
    expect(await countRows(harness.warehouse, 'jira_issues')).toBe(all);

    // The cursor was reached for 379 only: an unscoped run walks everything again and sees the rest.
    harness.simulator.clearRequestLog();
    const next = await runSync(harness.engine, {
      streams: ['jira_issues'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(next.status).toBe('succeeded');
    expect(await diffStream(harness, 'jira_issues')).toMatchObject({ missing: [], different: [] });
  });
});
