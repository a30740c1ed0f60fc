/**
 * Degrade, never stop for good (issue 21, finding 4): where a walk cannot prove itself for a reason
 * no retry fixes, the stream reads its window as a whole list, ends succeeded with the reason it
 * proves less, and its cursor moves so that the next night is not stuck.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../src/state/checkpoints.js';
import type { StreamName } from '../../../src/streams/types.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const exact = { missing: [], unexpected: [], different: [] };

describe('a stream whose walk cannot prove itself', () => {
  let harness: SyncHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  const sync = (stream: StreamName) =>
    runSync(harness!.engine, { streams: [stream], fullRefresh: false, trigger: 'cli' });

  it('records with two ingested_at values for good: read whole, succeeded and degraded, cursor moved', async () => {
    harness = await startSyncHarness({
      simulator: { records: 300, seed: 61, quirks: { mixedSnapshots: ['jira_issues'] } },
      env: { SEI_PAGE_SIZE: '20' },
    });
    const run = await sync('jira_issues');
    expect(
      run.status,
      JSON.stringify(run.results.map((r) => (r.status === 'failed' ? r.error.message : r.status))),
    ).toBe('succeeded');
    const result = run.results[0]!;
    expect(result).toMatchObject({ status: 'succeeded', condition: { kind: 'degraded' } });
    if (result.status !== 'succeeded') throw new Error('unreachable');
    expect(result.condition!.reason).toMatch(
      /SEI_SYNC_ERR_SNAPSHOT_CHANGING: .*different ingested_at values/,
    );
    expect(result.condition!.reason).toMatch(/300 records, the server's count \(300\) matches/);
    expect(await diffStream(harness, 'jira_issues')).toMatchObject(exact);
    const checkpoint = await readCheckpoint(harness.warehouse.db, 'jira_issues');
    expect(checkpoint?.walk).toBeNull();
    expect(checkpoint?.cursor).not.toBeNull();

    // The next night walks from the cursor, not from the start of time.
    const next = await sync('jira_issues');
    expect(next.results[0]).toMatchObject({ status: 'succeeded' });
    expect(next.status).toBe('succeeded');
  });

  it('a list that ignores the range filter: the message names it, every record is read', async () => {
    harness = await startSyncHarness({
      simulator: { records: 300, seed: 62, quirks: { ignoresRangeFilter: ['scm_pull_requests'] } },
      env: { SEI_PAGE_SIZE: '20' },
    });
    const run = await sync('scm_pull_requests');
    expect(run.status).toBe('succeeded');
    const result = run.results[0]!;
    expect(result).toMatchObject({ status: 'succeeded', condition: { kind: 'degraded' } });
    if (result.status !== 'succeeded') throw new Error('unreachable');
    expect(result.condition!.reason).toMatch(
      /SEI_SYNC_ERR_FILTER_IGNORED: .*the server ignored the pr_updated_at range filter: a full page of records outside the window asked for came back/,
    );
    expect(result.condition!.reason).not.toMatch(/without/);
    expect(await diffStream(harness, 'scm_pull_requests')).toMatchObject(exact);
    const checkpoint = await readCheckpoint(harness.warehouse.db, 'scm_pull_requests');
    expect(checkpoint?.walk).toBeNull();
    expect(checkpoint?.cursor).not.toBeNull();

    // A later change is read by the next run (degraded again: the server still ignores the filter).
    const { updated } = harness.simulator.dataset.mutate('scm_pull_requests', { update: 3 });
    expect(updated).toHaveLength(3);
    const next = await sync('scm_pull_requests');
    expect(next.results[0]).toMatchObject({ status: 'succeeded', condition: { kind: 'degraded' } });
    expect(await diffStream(harness, 'scm_pull_requests')).toMatchObject(exact);
  });
});
