import { describe, expect, it } from 'vitest';
import { NOTE_CELL_CHARS, syncSummaryTable } from '../../../src/commands/sync-summary.js';
import { zeroCounts } from '../../../src/sync/counts.js';

describe('the sync summary table', () => {
  it('cuts a long note to its column and gives it whole below the table', () => {
    const long = `the endpoint answered 500 for every request: ${'its rows are derived from cicd_job_runs; '.repeat(7)}end`;
    const text = syncSummaryTable([
      { stream: 'cicd_jobs', status: 'succeeded', counts: zeroCounts(), durationMs: 1, note: long },
      { stream: 'org_users', status: 'succeeded', counts: zeroCounts(), durationMs: 1, note: 'short' },
    ]);
    const [table, details] = text.split('\nin full:\n');
    for (const line of table!.split('\n'))
      expect(line.length).toBeLessThanOrEqual(table!.split('\n')[0]!.length + NOTE_CELL_CHARS);
    expect(table).not.toContain(long);
    expect(table).toContain('(see below)');
    expect(table).toContain('short');
    expect(details).toBe(`  cicd_jobs: ${long}`);
  });
});
