import { afterEach, describe, expect, it } from 'vitest';
import { historyChangeListener } from '../../../src/load/history.js';
import { Secret } from '../../../src/secret.js';
import { readCheckpoint } from '../../../src/state/checkpoints.js';
import { openWarehouse } from '../../../src/state/open.js';
import { readSlices } from '../../../src/state/walk-slices.js';
import { STREAM_NAMES } from '../../../src/streams/types.js';
import type { ChangeListener } from '../../../src/sync/engine.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { countRows, diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

/**
 * The history listener runs inside each page's transaction, before the checkpoint and commit. This one
 * holds the first page's transaction open until a second page's transaction reaches the same point (or
 * three seconds pass), and records whether that happened: it cannot when one page is in hand at a time.
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
    { inFlight: '8', writers: '2', overlaps: true },
    { inFlight: '1', writers: '1', overlaps: false },
  ])(
    'SEI_MAX_IN_FLIGHT=$inFlight, SEI_SYNC_PAGE_WRITERS=$writers: pages overlap: $overlaps; the tables end exact',
    async ({ inFlight, writers, overlaps }) => {
      harness = await startSyncHarness({
        simulator: { records: 0, streamSizes: { jira_issues: 300 }, seed: 5 },
        env: { SEI_SYNC_PAGE_WRITERS: writers, SEI_MAX_IN_FLIGHT: inFlight, SEI_PAGE_SIZE: '25' },
      });
      const probe = overlapProbe();
      const engine = harness.newEngine({ changeListener: probe.listener });
      const run = await runSync(engine, { streams: ['jira_issues'], fullRefresh: false, trigger: 'cli' });

      expect(run.results[0]).toMatchObject({ status: 'succeeded', counts: { inserted: 300 } });
      expect(probe.overlapped()).toBe(overlaps);
      expect(await diffStream(harness, 'jira_issues')).toMatchObject({
        missing: [],
        unexpected: [],
        different: [],
      });
      expect(await countRows(harness.warehouse, 'jira_issues')).toBe(300);
      expect((await readCheckpoint(harness.warehouse.db, 'jira_issues'))?.walk).toBeNull();
    },
  );

  it('a failed page stops the pages after it in its slice from committing, and the rerun completes exactly', async () => {
    harness = await startSyncHarness({
      simulator: { records: 0, streamSizes: { jira_issues: 300 }, seed: 6 },
      env: { SEI_SYNC_PAGE_WRITERS: '2', SEI_PAGE_SIZE: '25' },
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
    const walk = (await readCheckpoint(harness.warehouse.db, 'jira_issues'))?.walk;
    const slices = await readSlices(harness.warehouse.db, walk!.walkId);
    // Each slice's resume point covers exactly the rows its committed pages wrote, nothing after.
    const committed = slices.reduce((records, slice) => records + slice.records, 0);
    expect(committed).toBeLessThan(300);
    expect(await countRows(harness.warehouse, 'jira_issues')).toBe(committed);

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
