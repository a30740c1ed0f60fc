import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/secret.js';
import { STREAM_NAMES } from '../../../src/streams/types.js';
import type { ChangeListener } from '../../../src/sync/engine.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { readCheckpoint } from '../../../src/warehouse/checkpoints.js';
import { openWarehouse } from '../../../src/warehouse/db.js';
import { historyChangeListener } from '../../../src/warehouse/history.js';
import { countRows, diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

/**
 * The history listener runs inside each page's transaction, before the checkpoint and commit. This one
 * holds the first page's transaction open until a second page's transaction reaches the same point (or
 * three seconds pass), and records whether that happened: it can only happen with two page writers.
 */
function overlapProbe(): { listener: ChangeListener; overlapped: () => boolean } {
  let calls = 0;
  let overlapped = false;
  let secondArrived!: () => void;
  const second = new Promise<void>((resolve) => {
    secondArrived = resolve;
  });
  const listener: ChangeListener = {
    async onChanged(trx, table, changed, at, runId) {
      calls += 1;
      if (calls === 1) {
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 3000, 'timeout'));
        overlapped = (await Promise.race([second, timeout])) !== 'timeout';
      } else if (calls === 2) secondArrived();
      await historyChangeListener.onChanged(trx, table, changed, at, runId);
    },
    onDeleted: historyChangeListener.onDeleted,
  };
  return { listener, overlapped: () => overlapped };
}

describe('page writers', () => {
  let harness: SyncHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it.each([
    { writers: '2', overlaps: true },
    { writers: '1', overlaps: false },
  ])(
    'with SEI_SYNC_PAGE_WRITERS=$writers, pages overlap: $overlaps; the tables end exact',
    async ({ writers, overlaps }) => {
      harness = await startSyncHarness({
        simulator: { records: 0, streamSizes: { jira_issues: 300 }, seed: 5 },
        env: { SEI_SYNC_PAGE_WRITERS: writers },
      });
      const probe = overlapProbe();
      const engine = harness.newEngine({ changeListener: probe.listener });
      const run = await runSync(engine, { streams: ['jira_issues'], fullRefresh: false, trigger: 'cli' });

      expect(run.results[0]).toMatchObject({ status: 'succeeded', counts: { pages: 7, inserted: 300 } });
      expect(probe.overlapped()).toBe(overlaps);
      expect(await diffStream(harness, 'jira_issues')).toMatchObject({
        missing: [],
        unexpected: [],
        different: [],
      });
      // One current history version per issue: every page's history went in with its own rows.
      expect(await countRows(harness.warehouse, 'jira_issues')).toBe(300);
      expect((await readCheckpoint(harness.warehouse.db, 'jira_issues'))?.nextPage ?? null).toBeNull();
    },
  );

  it('a failed page stops the pages after it from committing, and the rerun completes exactly', async () => {
    harness = await startSyncHarness({
      simulator: { records: 0, streamSizes: { jira_issues: 300 }, seed: 6 },
      env: { SEI_SYNC_PAGE_WRITERS: '2' },
    });
    let calls = 0;
    const failing: ChangeListener = {
      async onChanged(trx, table, changed, at, runId) {
        calls += 1;
        if (calls === 3) throw new Error('injected failure on the third history call');
        await historyChangeListener.onChanged(trx, table, changed, at, runId);
      },
      onDeleted: historyChangeListener.onDeleted,
    };
    const first = await runSync(harness.newEngine({ changeListener: failing }), {
      streams: ['jira_issues'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(first.results[0]).toMatchObject({ status: 'failed' });
    const checkpoint = await readCheckpoint(harness.warehouse.db, 'jira_issues');
    const committedPages = checkpoint?.nextPage ?? 0;
    // The third history call fails: page 2's, or page 1's or 3's when that write got there first. Only
    // whole pages before the failing one are in (a prefix: the checkpoint and exactly its pages' rows),
    // nothing after it, though the next page was already being written beside it.
    expect(committedPages).toBeGreaterThanOrEqual(1);
    expect(committedPages).toBeLessThanOrEqual(3);
    expect(await countRows(harness.warehouse, 'jira_issues')).toBe(committedPages * 50);

    const rerun = await runSync(harness.newEngine(), {
      streams: ['jira_issues'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(rerun.results[0]).toMatchObject({ status: 'succeeded' });
    expect(await diffStream(harness, 'jira_issues')).toMatchObject({
      missing: [],
      unexpected: [],
      different: [],
    });
  });

  it('every stream at once on a pool of ONE connection: stream locks have their own sessions, nothing starves', async () => {
    harness = await startSyncHarness({ simulator: { records: 120, seed: 7 } });
    const small = await openWarehouse({ databaseUrl: new Secret(harness.database!.url), poolSize: 1 });
    try {
      const run = await runSync(harness.newEngine({ warehouse: small }), {
        streams: STREAM_NAMES,
        fullRefresh: false,
        trigger: 'cli',
      });
      expect(run.results.filter((result) => result.status !== 'succeeded')).toEqual([]);
      for (const stream of STREAM_NAMES)
        expect(await diffStream(harness, stream)).toMatchObject({
          missing: [],
          unexpected: [],
          different: [],
        });
    } finally {
      await small.close();
    }
  }, 60_000);
});
