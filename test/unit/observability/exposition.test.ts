import { describe, expect, it } from 'vitest';
import { mergeExpositions } from '../../../src/observability/exposition.js';

const queueText = (queue: string, count: number) =>
  [
    '# HELP bullmq_job_count Number of jobs in the queue by state',
    '# TYPE bullmq_job_count gauge',
    `bullmq_job_count{queue="${queue}", state="completed"} ${count}`,
    '# HELP bullmq_job_failed_total Total number of failed jobs',
    '# TYPE bullmq_job_failed_total counter',
    `bullmq_job_failed_total{queue="${queue}"} 0`,
    '',
  ].join('\n');

describe('mergeExpositions', () => {
  it('describes each family once and keeps all of its samples together', () => {
    const merged = mergeExpositions([
      '# HELP sei_sync_runs_total Runs\n# TYPE sei_sync_runs_total counter\nsei_sync_runs_total{status="succeeded"} 2\n',
      queueText('runs', 1),
      queueText('streams', 9),
    ]);
    expect(merged).toBe(
      [
        '# HELP sei_sync_runs_total Runs',
        '# TYPE sei_sync_runs_total counter',
        'sei_sync_runs_total{status="succeeded"} 2',
        '# HELP bullmq_job_count Number of jobs in the queue by state',
        '# TYPE bullmq_job_count gauge',
        'bullmq_job_count{queue="runs", state="completed"} 1',
        'bullmq_job_count{queue="streams", state="completed"} 9',
        '# HELP bullmq_job_failed_total Total number of failed jobs',
        '# TYPE bullmq_job_failed_total counter',
        'bullmq_job_failed_total{queue="runs"} 0',
        'bullmq_job_failed_total{queue="streams"} 0',
        '',
      ].join('\n'),
    );
  });

  it('returns nothing for nothing', () => {
    expect(mergeExpositions(['', '\n'])).toBe('');
  });
});
