import { describe, expect, it } from 'vitest';
import { createMetrics, ROW_OUTCOMES } from '../../../src/observability/metrics.js';
import { zeroCounts } from '../../../src/sync/counts.js';

describe('metrics', () => {
  it('exports the counters of the given streams at 0 from the first scrape (increase() sees a first failure)', async () => {
    const text = await createMetrics({ processMetrics: false, streams: ['org_units'] }).scrape();
    for (const outcome of ROW_OUTCOMES)
      expect(text).toContain(`sei_sync_rows_total{stream="org_units",outcome="${outcome}"} 0`);
    expect(text).toContain('sei_sync_stream_runs_total{stream="org_units",status="failed"} 0');
    expect(text).toContain('sei_sync_rate_limited_total{stream="org_units"} 0');
    expect(text).toContain('sei_sync_runs_total{status="failed"} 0');
    // Freshness stays absent until known: 0 would read as "stale since 1970".
    expect(text).not.toContain('sei_sync_stream_last_success_timestamp_seconds{');
  });

  it('counts sanitized rows, reading 0 from results that predate the count', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const counts = { ...zeroCounts(), sanitized: 3 };
    metrics.recordStreamResult({ stream: 'jira_issues', status: 'succeeded', counts, durationMs: 1 }, 0);
    const { sanitized: _, ...older } = counts;
    metrics.recordStreamResult(
      { stream: 'jira_issues', status: 'succeeded', counts: older as typeof counts, durationMs: 1 },
      0,
    );
    expect(await metrics.scrape()).toContain(
      'sei_sync_rows_total{stream="jira_issues",outcome="sanitized"} 3',
    );
  });
});
