/** `/v1/cicd/job_runs/tests/list`: test results of CI/CD job runs (CiCdJobRunTest), one row per test. */
import { defineStream } from './define-stream.js';
import { float, millis, text } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * Cursor: the job run's `end_time`, as for job runs (SEI ingests a run's tests when it ends). Unlike
 * job runs, the bounds are exclusive (`r.end_time > TO_TIMESTAMP(x)`), still strings (a number is a
 * 500), in seconds while records carry ms; there is no hidden 90-day horizon. Every sort entry is
 * applied, so `id` breaks the ties of the thousands of tests that share their run's end.
 * (CiCdUtils.getListSortBy: in Java HashMap order, which puts `end_time` before `id`.)
 * Tests are written once (`ON CONFLICT DO NOTHING`) and never change afterwards.
 */
export const cicdJobRunTestsStream = defineStream({
  name: 'cicd_job_run_tests',
  path: '/v1/cicd/job_runs/tests/list',
  mode: 'incremental',
  cursor: {
    filter: { field: 'end_time', boundType: 'string', inclusive: false },
    recordField: 'end_time',
    recordUnit: 'ms',
    column: 'end_time',
    serverOrder: 'asc',
  },
  sort: [
    { id: 'end_time', desc: false },
    { id: 'id', desc: false },
  ],
  table: 'cicd_job_run_tests',
  key: keyFields('id'),
  fields: [
    text('cicd_job_run_id'),
    text('test_suite'),
    text('test_name'),
    // PASSED, FAILED or SKIPPED; absent when SEI stored a value it does not know.
    text('status'),
    // Seconds (JUnit `time`), 0 when unknown.
    float('duration_seconds', { from: 'duration' }),
    text('error_details'),
    text('error_stacktrace'),
    text('job_name'),
    text('job_normalized_full_name'),
    text('job_run_number'),
    text('job_status'),
    text('project_name'),
    text('cicd_user_id'),
    millis('start_time'),
    millis('end_time'),
  ],
});
