/**
 * The process-wide page budget (src/extract/page-budget.ts) in whole syncs: a budget of one page still
 * ends exact with slices in parallel (no deadlock between a page waiting for its predecessor and the
 * predecessor), pages parsed and pages written at once are capped for the whole process too, and a sync that fails or
 * is cancelled halfway leaves every page given back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PageBudget } from '../../../src/extract/page-budget.js';
import { historyChangeListener } from '../../../src/load/history.js';
import { readCheckpoint } from '../../../src/state/checkpoints.js';
import { STREAM_NAMES, type StreamName } from '../../../src/streams/types.js';
import type { ChangeListener } from '../../../src/sync/engine.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { Semaphore } from '../../../src/sync/semaphore.js';
import { countRows, diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

/** A history listener that calls `onCall` with the number of each call first. */
function listenerCalling(onCall: (call: number) => Promise<void> | void): ChangeListener {
  let calls = 0;
  return {
    async onChanged(trx, table, changed, at, runId) {
      await onCall(++calls);
      await historyChangeListener.onChanged(trx, table, changed, at, runId);
    },
    onDeleted: historyChangeListener.onDeleted,
  };
}

async function expectExact(harness: SyncHarness, streams: readonly StreamName[]): Promise<void> {
  for (const stream of streams)
    expect(await diffStream(harness, stream)).toMatchObject({ missing: [], unexpected: [], different: [] });
}

describe('the page budget in a sync', () => {
  let harness: SyncHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('one page in hand for the whole process, eight slices at once, two writers per slice: the tables end exact', async () => {
    harness = await startSyncHarness({
      simulator: { records: 0, streamSizes: { jira_issues: 300 }, seed: 11 },
      env: { SEI_MAX_IN_FLIGHT: '8', SEI_SYNC_PAGE_WRITERS: '2', SEI_PAGE_SIZE: '25' },
    });
    const pages = new PageBudget(1);
    const run = await runSync(harness.newEngine({ pages }), {
      streams: ['jira_issues'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(run.results[0]).toMatchObject({ status: 'succeeded', counts: { inserted: 300 } });
    await expectExact(harness, ['jira_issues']);
    expect(await countRows(harness.warehouse, 'jira_issues')).toBe(300);
    expect((await readCheckpoint(harness.warehouse.db, 'jira_issues'))?.walk).toBeNull();
    expect(pages.peak).toBe(1);
    expect(pages.inHand).toBe(0);
  });

  it('eight pages in hand, two of them parsed at once, writes held back: exact, and never more parsed', async () => {
    harness = await startSyncHarness({
      simulator: { records: 0, streamSizes: { jira_issues: 400 }, seed: 16 },
      env: { SEI_MAX_IN_FLIGHT: '8', SEI_SYNC_PAGE_WRITERS: '2', SEI_PAGE_SIZE: '25' },
    });
    const pages = new PageBudget(8, () => 8, 2);
    // Slow writes: answers pile up as bodies behind the two parsed pages.
    const slow = listenerCalling(() => new Promise((resolve) => setTimeout(resolve, 20)));
    const run = await runSync(harness.newEngine({ pages, changeListener: slow }), {
      streams: ['jira_issues'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(run.results[0]).toMatchObject({ status: 'succeeded', counts: { inserted: 400 } });
    await expectExact(harness, ['jira_issues']);
    expect(pages.peak).toBeGreaterThan(2);
    expect(pages.peakParsed).toBe(2);
    expect(pages.inHand).toBe(0);
  });

  it('two pages written at once for the whole process, eight slices with two writers each: the tables end exact', async () => {
    harness = await startSyncHarness({
      simulator: { records: 0, streamSizes: { jira_issues: 400 }, seed: 15 },
      env: { SEI_MAX_IN_FLIGHT: '8', SEI_SYNC_PAGE_WRITERS: '2', SEI_PAGE_SIZE: '25' },
    });
    let writing = 0;
    let mostWriting = 0;
    // Called inside each page's write: a pause there lets every page that may write at once do so.
    const counting: ChangeListener = {
      async onChanged(trx, table, changed, at, runId) {
        mostWriting = Math.max(mostWriting, ++writing);
        await new Promise((resolve) => setTimeout(resolve, 20));
        writing--;
        await historyChangeListener.onChanged(trx, table, changed, at, runId);
      },
      onDeleted: historyChangeListener.onDeleted,
    };
    const pageWrites = new Semaphore(2);
    const run = await runSync(harness.newEngine({ pageWrites, changeListener: counting }), {
      streams: ['jira_issues'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(run.results[0]).toMatchObject({ status: 'succeeded', counts: { inserted: 400 } });
    await expectExact(harness, ['jira_issues']);
    expect(mostWriting).toBe(2);
    expect(pageWrites.running).toBe(0);
  });

  it('every stream at once under two pages in hand: every table exact, the budget whole at the end', async () => {
    harness = await startSyncHarness({ simulator: { records: 120, seed: 12 } });
    const pages = new PageBudget(2);
    const run = await runSync(harness.newEngine({ pages }), {
      streams: STREAM_NAMES,
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(run.results.filter((result) => result.status !== 'succeeded')).toEqual([]);
    await expectExact(harness, STREAM_NAMES);
    expect(pages.peak).toBeLessThanOrEqual(2);
    expect(pages.inHand).toBe(0);
  }, 60_000);

  it('a write that fails halfway gives back every page in hand, and the rerun ends exact', async () => {
    harness = await startSyncHarness({
      simulator: { records: 0, streamSizes: { jira_issues: 300 }, seed: 13 },
      env: { SEI_MAX_IN_FLIGHT: '8', SEI_PAGE_SIZE: '25' },
    });
    const pages = new PageBudget(3);
    const failing = listenerCalling((call) => {
      if (call === 4) throw new Error('injected failure on the fourth history call');
    });
    const first = await runSync(harness.newEngine({ pages, changeListener: failing }), {
      streams: ['jira_issues'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(first.results[0]).toMatchObject({ status: 'failed' });
    expect(pages.peak).toBe(3);
    expect(pages.inHand).toBe(0);
    expect(pages.waiting).toBe(0);

    const rerun = await runSync(harness.newEngine({ pages }), {
      streams: ['jira_issues'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(rerun.results[0]).toMatchObject({ status: 'succeeded' });
    await expectExact(harness, ['jira_issues']);
    expect(pages.inHand).toBe(0);
  });

  it('a sync cancelled while pages wait for the budget gives every one back', async () => {
    harness = await startSyncHarness({
      simulator: { records: 0, streamSizes: { jira_issues: 300 }, seed: 14 },
      env: { SEI_MAX_IN_FLIGHT: '8', SEI_PAGE_SIZE: '25' },
    });
    const pages = new PageBudget(2);
    const controller = new AbortController();
    // Cancel once a few pages are being written, with other slices' requests waiting for a lease.
    const cancelling = listenerCalling((call) => {
      if (call === 3) controller.abort();
    });
    const run = await runSync(harness.newEngine({ pages, changeListener: cancelling }), {
      streams: ['jira_issues'],
      fullRefresh: false,
      trigger: 'cli',
      signal: controller.signal,
    });
    expect(run.results[0]?.status).not.toBe('succeeded');
    expect(pages.inHand).toBe(0);
    expect(pages.waiting).toBe(0);
  });
});
