/** `/v1/cicd/job_runs/list`: one row per CI/CD job run (Jenkins build, pipeline execution, ...). */
import { defineStream } from './define-stream.js';
import { bigint, integer, list, millis, text, texts } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * Cursor: `end_time`, not `start_time`. A run is walked once it has finished, with its final
 * status and duration: the range filter on `end_time` skips runs still in progress (they have no
 * `end_time`) until they end, and a run SEI records again later (a rerun, a late completion) gets a
 * new `end_time` and is walked again. With `start_time`, a run first seen RUNNING would keep that
 * status forever once its start fell behind the lookback window. The price: runs in progress are not
 * in the table until they finish (BI reports on job runs count finished runs anyway). `end_time` is
 * the CI tool's time, but SEI ingests a run when it ends, so it lands close to the ingest time.
 *
 * How the server reads the request (CiCdAggregationsController, CiCdAggsService): bounds as strings
 * (`Map<String,String>`; a JSON number is a 500), inclusive, in epoch seconds, while records carry ms;
 * the requested sort goes into the SQL verbatim, without a tiebreaker (a fan-out stage ends many runs
 * at once). The default `across` (`trend`) silently adds `start_time >= now() - 90 days`; a non-time
 * `across` (`job_status`, one of CiCdJobRunsFilter.DISTINCT) lists the whole history.
 */
export const cicdJobRunsStream = defineStream({
  name: 'cicd_job_runs',
  path: '/v1/cicd/job_runs/list',
  mode: 'incremental',
  integrationColumn: 'integration_id',
  cursor: {
    filter: { field: 'end_time', boundType: 'string', inclusive: true },
    recordField: 'end_time',
    recordUnit: 'ms',
    column: 'end_time',
    serverOrder: 'asc',
  },
  extraBody: { across: 'job_status' },
  table: 'cicd_job_runs',
  key: keyFields('id'),
  fields: [
    // Job runs name their integration `cicd_integration_id` and their job `job_id`; the other
    // spellings are what SEI's job (not run) records use.
    text('integration_id', { from: ['cicd_integration_id', 'integration_id'] }),
    text('cicd_job_id', { from: ['job_id', 'cicd_job_id'] }),
    text('job_name'),
    text('job_normalized_full_name'),
    bigint('job_run_number'),
    text('instance_guid', { from: ['cicd_instance_guid', 'instance_guid'] }),
    text('instance_name', { from: ['cicd_instance_name', 'instance_name'] }),
    text('project_name'),
    text('status'),
    // Job run instants are epoch ms (`Instant`); epochMillis also takes seconds (see EPOCH_UNIT_THRESHOLD).
    millis('start_time'),
    millis('end_time'),
    // SEI reports a run's duration in seconds.
    integer('duration_seconds', { from: 'duration' }),
    text('cicd_user_id'),
    text('scm_url'),
    texts('scm_commit_ids'),
    text('env'),
    texts('tags'),
    list('params'),
  ],
});
