import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../src/state/checkpoints.js';
import { readSlices } from '../../../src/state/walk-slices.js';
import { STREAM_NAMES } from '../../../src/streams/types.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { cliArgs } from '../../support/cli-process.js';
import { diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const PAGE_SIZE = 20;

function startCliSync(harness: SyncHarness): ChildProcess {
  return spawn(process.execPath, cliArgs(['sync']), {
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

/** The lower bound (inclusive, epoch s) a Jira list request asked for. */
const lowerBound = (body: Record<string, unknown> | undefined): number | undefined => {
  const range = (body?.filter as Record<string, { $gt?: number }> | undefined)?.issue_updated_at;
  return range?.$gt === undefined ? undefined : Number(range.$gt) + 1;
};

/** The upper bound (exclusive, epoch s) a Jira list request asked for. */
const upperBound = (body: Record<string, unknown> | undefined): number | undefined => {
  const range = (body?.filter as Record<string, { $lt?: number }> | undefined)?.issue_updated_at;
  return range?.$lt === undefined ? undefined : Number(range.$lt);
};

describe('a sync killed with SIGKILL resumes each slice where its last page committed', () => {
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

  it('ends with tables exactly equal to the source, re-fetching only what was in flight', async () => {
    const child = startCliSync(harness);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Wait until the Jira walk has committed a few pages, then kill without warning.
    let walkId: string | undefined;
    for (let i = 0; i < 400; i++) {
      walkId = (await readCheckpoint(harness.warehouse.db, 'jira_issues'))?.walk?.walkId;
      const slices = walkId ? await readSlices(harness.warehouse.db, walkId) : [];
      if (slices.reduce((pages, slice) => pages + slice.pages, 0) >= 4) break;
      await sleep(50);
    }
    child.kill('SIGKILL');
    await exited;
    const killedAt = await readSlices(harness.warehouse.db, walkId!);
    expect(killedAt.reduce((pages, slice) => pages + slice.pages, 0)).toBeGreaterThanOrEqual(4);

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

    // The rerun continued the same walk: no request asked for anything before a slice's resume point
    // (a slice done before the kill was not asked again at all), and the window was not counted again.
    const jira = harness.simulator.requestLog.filter(
      (e) => e.path.endsWith('/jira_issues/list') && e.status === 200,
    );
    expect(jira.length).toBeGreaterThan(0);
    const windowEnd = Math.max(...killedAt.map((slice) => slice.to));
    for (const entry of jira) {
      const lower = lowerBound(entry.body);
      // The tail after the window (records changed while the walk ran) is read anew by any run.
      if (lower !== undefined && lower >= windowEnd) continue;
      const slice = killedAt.find((s) => lower !== undefined && lower >= s.from && lower < s.to);
      expect(slice, `request from ${lower} lies in a slice of the walk`).toBeDefined();
      expect(lower).toBeGreaterThanOrEqual(slice!.resumeAt);
      // The only counts are a thief's, placing a split inside one slice (work-stealing.ts).
      if (entry.pageSize === 1) expect(upperBound(entry.body)).toBeLessThanOrEqual(slice!.to);
    }
    for (const stream of STREAM_NAMES) {
      const diff = await diffStream(harness, stream);
      expect(diff).toMatchObject({ stream, missing: [], unexpected: [], different: [] });
    }
  });
});
