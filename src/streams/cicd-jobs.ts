/** `/v1/cicd/jobs/list`: CI/CD jobs (pipelines), `{id, name}`; derived from job runs where broken. */
import { defineStream } from './define-stream.js';
import { text } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * In the server's code this endpoint always fails: CiCdJobsService.list returns null, the controller's
 * `getTotalCount()` throws, and every request answers 500 ("Unable to complete the request"). So the
 * first request is not retried on a 500 (or a 404, should the route be gone), and the jobs are then
 * derived from the job runs already synced: one row per `cicd_job_id`, named as its latest run names
 * it (`derived_from` says so). A server that answers is read as usual. In one `sync`, this stream
 * starts after `cicd_job_runs` (src/sync/run-sync.ts); under the workers it reads what the last run of
 * `cicd_job_runs` stored.
 */
export const cicdJobsStream = defineStream({
  name: 'cicd_jobs',
  path: '/v1/cicd/jobs/list',
  mode: 'full_refresh',
  sort: [{ id: 'name', desc: false }],
  fallback: {
    statuses: [500, 404],
    reason: 'the endpoint fails on every request (CiCdJobsService.list returns null in the server code)',
    from: 'cicd_job_runs',
    sql: `SELECT jsonb_strip_nulls(jsonb_build_object(
    'id', r.cicd_job_id, 'name', r.job_name, 'job_normalized_full_name', r.job_normalized_full_name,
    'project_name', r.project_name, 'integration_id', r.integration_id, 'instance_name', r.instance_name,
    'derived_from', 'cicd_job_runs')) AS record
  FROM (
    SELECT DISTINCT ON (cicd_job_id) * FROM sei.cicd_job_runs
    WHERE deleted_at IS NULL AND cicd_job_id IS NOT NULL
    ORDER BY cicd_job_id, start_time DESC NULLS LAST, id
  ) r`,
  },
  table: 'cicd_jobs',
  key: keyFields('id'),
  fields: [
    text('name'),
    // Only in derived rows (the endpoint's records are `{id, name}`).
    text('job_normalized_full_name'),
    text('project_name'),
    text('integration_id'),
    text('instance_name'),
    // `cicd_job_runs` for a row derived from job runs, NULL for one the endpoint served.
    text('derived_from'),
  ],
});
