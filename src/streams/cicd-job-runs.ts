/** `/v1/cicd/job_runs/list`: one row per CI/CD job run (Jenkins build, pipeline execution, ...). */
import type { SeiRecord } from '../sei/types.js';
import {
  accept,
  epochMillis,
  type FieldNotes,
  fromEither,
  readKeyFields,
  recordKeyOf,
  reject,
  toBigInt,
  toInt,
  toJsonArray,
  toText,
  toTextArray,
} from './normalize.js';
import { column, keyColumn, RAW_COLUMN } from './table-spec.js';
import type { IncrementalStream, NormalizeResult, TableSpec } from './types.js';

const KEY_FIELDS = ['id'] as const;

export const cicdJobRunsTable: TableSpec = {
  schema: 'sei',
  name: 'cicd_job_runs',
  key: ['id'],
  columns: [
    keyColumn('id'),
    column('integration_id', 'text'),
    column('cicd_job_id', 'text'),
    column('job_name', 'text'),
    column('job_normalized_full_name', 'text'),
    column('job_run_number', 'bigint'),
    column('instance_guid', 'text'),
    column('instance_name', 'text'),
    column('project_name', 'text'),
    column('status', 'text'),
    column('start_time', 'timestamptz'),
    column('end_time', 'timestamptz'),
    column('duration_seconds', 'integer'),
    column('cicd_user_id', 'text'),
    column('scm_url', 'text'),
    column('scm_commit_ids', 'text[]'),
    column('env', 'text'),
    column('tags', 'text[]'),
    column('params', 'jsonb'),
    RAW_COLUMN,
  ],
};

function normalize(record: SeiRecord, notes: FieldNotes): NormalizeResult {
  const key = readKeyFields(record, KEY_FIELDS);
  if (!key.ok) return reject(key.reason);
  const [id] = key.values;
  return accept({
    id,
    // Job runs name their integration `cicd_integration_id` and their job `job_id`; the other
    // spellings are what SEI's job (not run) records use.
    integration_id: fromEither(toText, record, notes, ['cicd_integration_id', 'integration_id']),
    cicd_job_id: fromEither(toText, record, notes, ['job_id', 'cicd_job_id']),
    job_name: toText(record.job_name, notes, 'job_name'),
    job_normalized_full_name: toText(record.job_normalized_full_name, notes, 'job_normalized_full_name'),
    job_run_number: toBigInt(record.job_run_number, notes, 'job_run_number'),
    instance_guid: fromEither(toText, record, notes, ['cicd_instance_guid', 'instance_guid']),
    instance_name: fromEither(toText, record, notes, ['cicd_instance_name', 'instance_name']),
    project_name: toText(record.project_name, notes, 'project_name'),
    status: toText(record.status, notes, 'status'),
    // Job run instants are (probably) epoch ms; epochMillis also takes seconds (see EPOCH_UNIT_THRESHOLD).
    start_time: epochMillis(record.start_time, notes, 'start_time'),
    end_time: epochMillis(record.end_time, notes, 'end_time'),
    // SEI reports a run's duration in seconds.
    duration_seconds: toInt(record.duration, notes, 'duration'),
    cicd_user_id: toText(record.cicd_user_id, notes, 'cicd_user_id'),
    scm_url: toText(record.scm_url, notes, 'scm_url'),
    scm_commit_ids: toTextArray(record.scm_commit_ids, notes, 'scm_commit_ids'),
    env: toText(record.env, notes, 'env'),
    tags: toTextArray(record.tags, notes, 'tags'),
    params: toJsonArray(record.params, notes, 'params'),
    raw: record,
  });
}

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
export const cicdJobRunsStream: IncrementalStream = {
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
  sort: [{ id: 'end_time', desc: false }],
  pageSizeParam: 'page_size',
  hasNext: 'page_full',
  table: cicdJobRunsTable,
  children: [],
  recordKey: recordKeyOf(KEY_FIELDS),
  normalize,
};
