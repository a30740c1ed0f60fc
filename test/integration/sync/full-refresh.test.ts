import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../src/warehouse/checkpoints.js';
import { diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

/** Pages of `jira_issues` the simulator served since the log was cleared. */
const jiraPages = (harness: SyncHarness) =>
  harness.simulator.requestLog
    .filter((e) => e.path.endsWith('/jira_issues/list') && e.status === 200)
    .map((e) => e.page!);

describe('--full-refresh', () => {
  let harness: SyncHarness;
  beforeAll(async () => {
    harness = await startSyncHarness({ simulator: { records: 300, seed: 31 }, env: { SEI_PAGE_SIZE: '25' } });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('re-walks from page 0, but a retried job of the same run resumes its own walk', async () => {
    const { engine } = harness;
    await engine.syncStream({
      runId: await engine.startRun({ trigger: 'cli', streams: ['jira_issues'], fullRefresh: false }),
      stream: 'jira_issues',
      fullRefresh: false,
    });

    // A full refresh interrupted after a few pages (as a worker's SIGTERM would).
    const runId = await engine.startRun({ trigger: 'manual', streams: ['jira_issues'], fullRefresh: true });
    const controller = new AbortController();
    harness.simulator.clearRequestLog();
    const interrupted = await engine.syncStream({
      runId,
      stream: 'jira_issues',
      fullRefresh: true,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.pages >= 3) controller.abort(new Error('stop'));
      },
    });
    expect(interrupted.status).toBe('failed');
    expect(Math.min(...jiraPages(harness))).toBe(0);
    const checkpoint = await readCheckpoint(harness.warehouse.db, 'jira_issues');
    expect(checkpoint?.nextPage).toBeGreaterThanOrEqual(3);

    // The same run retried: resumes where it stopped.
    harness.simulator.clearRequestLog();
    const retried = await engine.syncStream({ runId, stream: 'jira_issues', fullRefresh: true });
    expect(retried.status).toBe('succeeded');
    expect(Math.min(...jiraPages(harness))).toBe(checkpoint!.nextPage);
    expect(await diffStream(harness, 'jira_issues')).toMatchObject({
      missing: [],
      unexpected: [],
      different: [],
    });

    // A new full-refresh run starts over from page 0 and rewrites nothing that did not change.
    harness.simulator.clearRequestLog();
    const next = await engine.syncStream({
      runId: await engine.startRun({ trigger: 'manual', streams: ['jira_issues'], fullRefresh: true }),
      stream: 'jira_issues',
      fullRefresh: true,
    });
    expect(Math.min(...jiraPages(harness))).toBe(0);
    expect(next.status === 'succeeded' && next.counts.inserted + next.counts.updated).toBe(0);
  });
});
