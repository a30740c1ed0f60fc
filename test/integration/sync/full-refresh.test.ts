/**
 * A full refresh walks every incremental stream from the beginning of time again. Such a walk is the
 * only one that sees every record SEI lists, so it also decides deletions (SEI does not tombstone
 * deleted Jira issues: they just stop being listed); an incremental walk never deletes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../src/state/checkpoints.js';
import { readSlices } from '../../../src/state/walk-slices.js';
import { countRows, diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

/** Successful `jira_issues` list requests since the log was cleared. */
const jiraRequests = (harness: SyncHarness) =>
  harness.simulator.requestLog.filter((e) => e.path.endsWith('/jira_issues/list') && e.status === 200).length;

const exact = { missing: [], unexpected: [], different: [] };

describe('--full-refresh', () => {
  let harness: SyncHarness;
  beforeAll(async () => {
    harness = await startSyncHarness({ simulator: { records: 300, seed: 31 }, env: { SEI_PAGE_SIZE: '25' } });
  });
  afterAll(async () => {
    await harness?.close();
  });

  const sync = async (
    fullRefresh: boolean,
    extra: Partial<Parameters<typeof harness.engine.syncStream>[0]> = {},
  ) =>
    harness.engine.syncStream({
      runId: await harness.engine.startRun({ trigger: 'cli', streams: ['jira_issues'], fullRefresh }),
      stream: 'jira_issues',
      fullRefresh,
      ...extra,
    });

  it('re-walks everything, but a retried job of the same run resumes its own walk', async () => {
    expect((await sync(false)).status).toBe('succeeded');
    harness.simulator.clearRequestLog();
    const firstWalkRequests = (await sync(true)).status === 'succeeded' ? jiraRequests(harness) : 0;
    expect(firstWalkRequests).toBeGreaterThan(12);

    // A full refresh interrupted after a few pages (as a worker's SIGTERM would).
    const runId = await harness.engine.startRun({
      trigger: 'manual',
      streams: ['jira_issues'],
      fullRefresh: true,
    });
    const controller = new AbortController();
    const interrupted = await harness.engine.syncStream({
      runId,
      stream: 'jira_issues',
      fullRefresh: true,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.pages >= 4) controller.abort(new Error('stop'));
      },
    });
    expect(interrupted.status).toBe('failed');
    const walk = (await readCheckpoint(harness.warehouse.db, 'jira_issues'))?.walk;
    expect(walk).toMatchObject({ runId, decidesDeletions: true });
    const progress = await readSlices(harness.warehouse.db, walk!.walkId);
    expect(progress.reduce((pages, slice) => pages + slice.pages, 0)).toBeGreaterThanOrEqual(4);

    // The same run retried: its slices resume where they stopped, the counts are not asked again.
    harness.simulator.clearRequestLog();
    const retried = await harness.engine.syncStream({ runId, stream: 'jira_issues', fullRefresh: true });
    expect(retried.status).toBe('succeeded');
    expect(jiraRequests(harness)).toBeLessThan(firstWalkRequests);
    expect(await diffStream(harness, 'jira_issues')).toMatchObject(exact);
    expect((await readCheckpoint(harness.warehouse.db, 'jira_issues'))?.walk).toBeNull();

    // A new full-refresh run starts a new walk and rewrites nothing that did not change.
    const next = await sync(true);
    expect(next.status === 'succeeded' && next.counts.inserted + next.counts.updated).toBe(0);
  });

  it('marks issues SEI no longer lists as deleted, on a full walk only', async () => {
    const { deleted } = harness.simulator.dataset.mutate('jira_issues', { delete: 3 });
    const incremental = await sync(false);
    expect(incremental.status === 'succeeded' && incremental.counts.deleted).toBe(0);
    expect(await countRows(harness.warehouse, 'jira_issues', 'deleted_at IS NOT NULL')).toBe(0);

    const full = await sync(true);
    expect(full.status === 'succeeded' && full.counts.deleted).toBe(3);
    expect(await countRows(harness.warehouse, 'jira_issues', 'deleted_at IS NOT NULL')).toBe(3);
    expect(deleted).toHaveLength(3);
    expect(await diffStream(harness, 'jira_issues')).toMatchObject(exact);
    // The deletion closed the history version of each deleted issue.
    const open = await harness.warehouse.db
      .selectFrom('sei_history.jira_issues' as never)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('valid_to' as never, 'is', null)
      .executeTakeFirstOrThrow();
    expect(Number(open.n)).toBe(await countRows(harness.warehouse, 'jira_issues', 'deleted_at IS NULL'));
  });
});
