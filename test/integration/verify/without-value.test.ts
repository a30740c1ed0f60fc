/**
 * Records SEI lists without a cursor value (CI/CD runs still running have no `end_time`): no range on
 * the field selects them, so a sync's walk by time cannot read them and no time bucket holds them.
 * Verify counts them apart (`withoutValue`): the server's count is the list's count without the range
 * minus its count over every second; the outcome names the reason, and is not a difference. A run
 * ending before 1970 (stored without a value too) stays in the first bucket, not among them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../../src/sync/run-sync.js';
import { editRecord, liveRecords } from '../../support/server-edits.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { sql, verify } from '../../support/verify-runs.js';

describe('verify: records without a cursor value', () => {
  let harness: SyncHarness;
  let running: number;

  beforeAll(async () => {
    harness = await startSyncHarness({ simulator: { seed: 21, records: 200 } });
    const runs = liveRecords(harness.simulator, 'cicd_job_runs');
    // Two more runs still running (besides any the dataset has), and one that ended before 1970.
    const finished = runs.filter((entry) => entry.record.end_time !== undefined);
    for (const entry of finished.slice(0, 2))
      editRecord(harness.simulator, 'cicd_job_runs', entry.ordinal, {
        status: 'RUNNING',
        end_time: undefined,
        duration: undefined,
      });
    editRecord(harness.simulator, 'cicd_job_runs', finished[2]!.ordinal, {
      start_time: -60_000,
      end_time: -5_000,
    });
    running = liveRecords(harness.simulator, 'cicd_job_runs').filter(
      (entry) => entry.record.end_time === undefined,
    ).length;
    const synced = await runSync(harness.engine, {
      streams: ['cicd_job_runs'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(synced.status).toBe('succeeded');
  });
  afterAll(async () => harness?.close());

  it('counts the running runs apart: not readable by time, not a difference', async () => {
    expect(running).toBeGreaterThanOrEqual(2);
    const result = (await verify(harness, ['cicd_job_runs'])).cicd_job_runs;
    expect(result.status).toBe('clean');
    expect(result.withoutValue).toMatchObject({
      server: running,
      warehouse: 0,
      outcome: 'not_readable_by_time',
    });
    expect(result.withoutValue?.note).toContain(`${running} records SEI lists have no end_time yet`);
    // The run before 1970 is stored without a value, and compared in the first bucket.
    expect(result.buckets[0]).toMatchObject({ server: 1, warehouse: 1, outcome: 'equal' });
    const stored = await sql(
      harness,
      'SELECT count(*)::int AS n FROM sei.cicd_job_runs WHERE end_time IS NULL',
    );
    expect(stored.rows[0]?.n).toBe(1);
  });

  it('a row whose record has no value either is counted on the warehouse side', async () => {
    // A row as a sync would store a running run, were it ever read.
    await sql(
      harness,
      `UPDATE sei.cicd_job_runs SET end_time = NULL, raw = raw - 'end_time'
      WHERE id = (SELECT id FROM sei.cicd_job_runs WHERE end_time IS NOT NULL ORDER BY id LIMIT 1)`,
    );
    const result = (await verify(harness, ['cicd_job_runs'])).cicd_job_runs;
    expect(result.withoutValue).toMatchObject({
      server: running,
      warehouse: 1,
      outcome: 'not_readable_by_time',
    });
    // It left its time bucket (that bucket now differs), and is not taken for the run before 1970.
    expect(result.status).toBe('differs');
    expect(result.buckets[0]).toMatchObject({ server: 1, warehouse: 1, outcome: 'equal' });
  });
});
