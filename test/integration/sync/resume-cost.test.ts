/**
 * What a resumed walk pays (issue 21, finding 5): a 30k-issue walk killed three times mid-walk must
 * neither count its window again nor walk stretches of time its plan's counts showed empty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLICING_DEFAULTS } from '../../../src/extract/slicing.js';
import { readCheckpoint } from '../../../src/state/checkpoints.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const ISSUES = 30_000;
const PAGE_SIZE = 1000;
/** Jira requests let through before each kill: the first run's past its plan's counts, each a few pages. */
const KILL_AFTER = [25, 8, 8];

/** A count: one record, or a few (the window's, from before 1970), never a page of PAGE_SIZE. */
const isCount = ({ pageSize }: { pageSize?: number | undefined }) =>
  pageSize !== undefined && pageSize <= SLICING_DEFAULTS.firstRecordsBefore1970;

/** The range (epoch s, `[from, to)`) a Jira list request asked for. */
function askedRange(body: Record<string, unknown> | undefined): { from: number; to: number } | undefined {
  const range = (body?.filter as Record<string, { $gt?: number; $lt?: number }> | undefined)
    ?.issue_updated_at;
  if (range?.$gt === undefined || range.$lt === undefined) return undefined;
  return { from: Math.floor(Number(range.$gt)) + 1, to: Math.ceil(Number(range.$lt)) };
}

describe('a walk killed three times mid-walk, then finished', () => {
  let harness: SyncHarness;
  beforeAll(async () => {
    harness = await startSyncHarness({
      simulator: { records: 10, streamSizes: { jira_issues: ISSUES }, seed: 5 },
      env: { SEI_PAGE_SIZE: String(PAGE_SIZE) },
    });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('counts its window once and walks no stretch its counts showed empty', async () => {
    const sim = harness.simulator;
    sim.clearRequestLog();
    const countsPerRun: number[] = [];
    let windowEnd: Date | null | undefined;
    for (let kill = 0; kill < KILL_AFTER.length; kill++) {
      const before = sim.requestLog.length;
      sim.holdRequests({ after: KILL_AFTER[kill]!, stream: 'jira_issues' });
      const controller = new AbortController();
      const engine = harness.newEngine();
      const runId = await engine.startRun({ trigger: 'cli', streams: ['jira_issues'], fullRefresh: false });
      const running = engine.syncStream({
        runId,
        stream: 'jira_issues',
        fullRefresh: false,
        signal: controller.signal,
      });
      await Promise.race([sim.whenHeld(), running]);
      controller.abort();
      sim.releaseRequests();
      expect((await running).status).toBe('failed');
      windowEnd ??= (await readCheckpoint(harness.warehouse.db, 'jira_issues'))?.walk?.windowEnd;
      countsPerRun.push(sim.requestLog.slice(before).filter(isCount).length);
    }
    const beforeFinal = sim.requestLog.length;
    const run = await runSync(harness.newEngine(), {
      streams: ['jira_issues'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(run.status).toBe('succeeded');
    expect(await diffStream(harness, 'jira_issues')).toMatchObject({
      missing: [],
      unexpected: [],
      different: [],
    });

    const log = sim.requestLog.filter((e) => e.path.endsWith('/jira_issues/list'));
    const counts = log.filter(isCount);
    const pages = log.filter((e) => !isCount(e));
    // The tail after the window (records changed while the walk ran) is read by the run that finishes it.
    const end = Math.floor(windowEnd!.getTime() / 1000);
    const emptyWindows = pages.filter((e) => e.records === 0 && (askedRange(e.body)?.from ?? end) < end);
    // Past the last record no count can see (the server sorts ascending only): a few windows there
    // come back empty. Before it, every stretch without records was counted empty or trimmed away.
    const last = Math.max(
      ...sim.dataset.records('jira_issues').map((r) => Math.floor(Number(r.issue_updated_at))),
    );
    const blind = emptyWindows.filter((e) => (askedRange(e.body)?.to ?? 0) <= last);
    console.log(
      `resumed 30k walk: ${log.length} requests: ${pages.length - emptyWindows.length} data pages, ${counts.length} counts, ${emptyWindows.length} empty windows inside the walk, ${blind.length} of them before its last record`,
    );
    // The plan is made once: the runs that resumed the walk counted nothing. The run that finished it
    // may count to split a running slice (work-stealing.ts): inside the walk's window, never a new one.
    expect(countsPerRun.slice(1)).toEqual([0, 0]);
    const finalCounts = sim.requestLog
      .slice(beforeFinal)
      .filter((e) => e.path.endsWith('/jira_issues/list') && isCount(e));
    for (const count of finalCounts) expect(askedRange(count.body)?.to).toBeLessThan(end);
    expect(counts.length).toBe(countsPerRun[0]! + finalCounts.length);
    expect(blind.map((e) => askedRange(e.body))).toEqual([]);
  }, 120_000);
});
