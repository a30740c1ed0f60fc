import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_NAMES } from '../../../src/streams/types.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { readCheckpoint } from '../../../src/warehouse/checkpoints.js';
import { diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const PAGE_SIZE = 20;

function startCliSync(harness: SyncHarness): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'sync'], {
    env: {
      ...process.env,
      DATABASE_URL: harness.database!.url,
      SEI_BASE_URL: harness.simulator.url,
      SEI_API_KEY: harness.simulator.adminKey,
      SEI_PAGE_SIZE: String(PAGE_SIZE),
      SEI_REQUESTS_PER_MINUTE: '5000',
      LOG_LEVEL: 'silent',
    },
    stdio: 'ignore',
  });
}

describe('a sync killed with SIGKILL resumes at the next page', () => {
  let harness: SyncHarness;
  beforeAll(async () => {
    // Slow pages, so the kill lands in the middle of the walk.
    harness = await startSyncHarness({
      simulator: { records: 400, seed: 21, faults: { slow: 1, slowMs: 40 } },
      env: { SEI_PAGE_SIZE: String(PAGE_SIZE) },
    });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('ends with tables exactly equal to the source, re-fetching at most one page per stream', async () => {
    const child = startCliSync(harness);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Wait until the Jira walk is a few pages in, then kill without warning.
    for (let i = 0; i < 400; i++) {
      const checkpoint = await readCheckpoint(harness.warehouse.db, 'jira_issues');
      if ((checkpoint?.nextPage ?? 0) >= 4) break;
      await sleep(50);
    }
    child.kill('SIGKILL');
    await exited;
    const killedAt = await readCheckpoint(harness.warehouse.db, 'jira_issues');
    expect(killedAt?.nextPage).toBeGreaterThanOrEqual(4);
    const pagesBefore = harness.simulator.requestLog.filter((e) =>
      e.path.endsWith('/jira_issues/list'),
    ).length;

    harness.simulator.setFaults({ slow: 0 });
    harness.simulator.clearRequestLog();
    // The killed process held the stream locks; PostgreSQL released them when its connections dropped.
    const engine = harness.newEngine();
    let run = await runSync(engine, { streams: STREAM_NAMES, fullRefresh: false, trigger: 'cli' });
    for (let attempt = 0; attempt < 5 && run.status !== 'succeeded'; attempt++) {
      await sleep(1000);
      run = await runSync(engine, { streams: STREAM_NAMES, fullRefresh: false, trigger: 'cli' });
    }
    expect(run.results.filter((r) => r.status !== 'succeeded')).toEqual([]);

    const jiraPages = harness.simulator.requestLog
      .filter((e) => e.path.endsWith('/jira_issues/list') && e.status === 200)
      .map((e) => e.page!);
    // The rerun starts where the checkpoint says: no page before it is fetched again.
    expect(Math.min(...jiraPages)).toBe(killedAt!.nextPage);
    expect(pagesBefore).toBeGreaterThanOrEqual(killedAt!.nextPage!);
    for (const stream of STREAM_NAMES) {
      const diff = await diffStream(harness, stream);
      expect(diff).toMatchObject({ stream, missing: [], unexpected: [], different: [] });
    }
  });
});
