/**
 * What the streams of issue 14 add to a sync: a tool the tenant does not use costs one request and
 * says so; cicd_jobs is derived from job runs where its endpoint fails (the server's code) and read
 * from the endpoint where it answers; PagerDuty alerts do not change on every run although the server
 * stamps each answer with its own time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamName } from '../../../src/streams/types.js';
import { EMPTY_STREAM_NOTE } from '../../../src/sync/run-note.js';
import { runSync } from '../../../src/sync/run-sync.js';
import type { StreamRunResult } from '../../../src/sync/types.js';
import { countRows, diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const exact = { missing: [], unexpected: [], different: [] };

/** The tools a tenant without PagerDuty, Azure DevOps and GitHub issues does not have. */
const UNUSED: readonly StreamName[] = [
  'workitems',
  'workitem_sprints',
  'scm_issues',
  'pagerduty_incidents',
  'pagerduty_alerts',
];

function succeeded(results: readonly StreamRunResult[], stream: StreamName) {
  const result = results.find((r) => r.stream === stream);
  if (result?.status !== 'succeeded') throw new Error(`${stream}: ${JSON.stringify(result)}`);
  return result;
}

describe('the streams of issue 14 in a sync', () => {
  let harness: SyncHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('a stream of a tool the tenant does not use costs one request and says so', async () => {
    harness = await startSyncHarness({
      simulator: {
        records: 40,
        seed: 21,
        streamSizes: Object.fromEntries(UNUSED.map((stream) => [stream, 0])),
      },
    });
    const run = await runSync(harness.engine, { streams: UNUSED, fullRefresh: false, trigger: 'cli' });
    for (const stream of UNUSED) {
      const result = succeeded(run.results, stream);
      expect({ stream, requests: result.counts.requests, records: result.counts.records }).toEqual({
        stream,
        requests: 1,
        records: 0,
      });
      expect(result.note, stream).toBe(EMPTY_STREAM_NOTE);
    }
    // The next run reads only what changed: still one request each, and nothing to say.
    const again = await runSync(harness.engine, { streams: UNUSED, fullRefresh: false, trigger: 'cli' });
    for (const stream of UNUSED) {
      expect(succeeded(again.results, stream).counts.requests, stream).toBe(1);
      if (stream === 'workitems' || stream === 'scm_issues')
        expect(succeeded(again.results, stream).note).toBeUndefined();
    }
  });

  it('cicd_jobs: derived from job runs where the endpoint fails, read from it where it answers', async () => {
    harness = await startSyncHarness({ simulator: { records: 60, seed: 22 } });
    const streams: StreamName[] = ['cicd_job_runs', 'cicd_jobs'];
    const run = await runSync(harness.engine, { streams, fullRefresh: false, trigger: 'cli' });
    const jobs = succeeded(run.results, 'cicd_jobs');
    expect(jobs.counts).toMatchObject({ requests: 1, records: 6, inserted: 6 });
    expect(jobs.note).toBe(
      '/v1/cicd/jobs/list answered 500: the endpoint fails on every request (CiCdJobsService.list returns null in the server code); 6 rows derived from cicd_job_runs',
    );
    expect(await diffStream(harness, 'cicd_jobs')).toMatchObject(exact);
    await harness.close();

    harness = await startSyncHarness({ simulator: { records: 60, seed: 22, fixedEndpoints: ['cicd_jobs'] } });
    const fixed = await runSync(harness.engine, { streams, fullRefresh: false, trigger: 'cli' });
    expect(succeeded(fixed.results, 'cicd_jobs').note).toBeUndefined();
    expect(await countRows(harness.warehouse, 'cicd_jobs', 'derived_from IS NULL')).toBe(6);
  });

  it('PagerDuty alerts keep their rows from run to run, although every answer carries its request time', async () => {
    harness = await startSyncHarness({ simulator: { records: 40, seed: 23 } });
    const streams: StreamName[] = ['pagerduty_incidents', 'pagerduty_alerts'];
    await runSync(harness.engine, { streams, fullRefresh: false, trigger: 'cli' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await runSync(harness.engine, { streams, fullRefresh: false, trigger: 'cli' });
    expect(succeeded(again.results, 'pagerduty_alerts').counts).toMatchObject({ updated: 0, unchanged: 120 });
    expect(await diffStream(harness, 'pagerduty_alerts')).toMatchObject(exact);
    // Acknowledged alerts keep their (real) acknowledgement time.
    expect(
      await countRows(harness.warehouse, 'pagerduty_alerts', 'acknowledged_at IS NOT NULL'),
    ).toBeGreaterThan(0);
    expect(
      await countRows(
        harness.warehouse,
        'pagerduty_alerts',
        "status <> 'acknowledged' AND (acknowledged_at IS NOT NULL OR raw ? 'alert_acknowledged_at')",
      ),
    ).toBe(0);
  });
});
