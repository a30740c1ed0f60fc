/** `/v1/issue_mgmt/workitems/list`: Azure DevOps work items, one row per item and integration. */
import type { SeiRecord } from '../sei/types.js';
import {
  accept,
  epochSeconds,
  type FieldNotes,
  fromEither,
  readKeyFields,
  recordKeyOf,
  reject,
  toBigInt,
  toBool,
  toInt,
  toJsonObject,
  toNumber,
  toText,
  toTextArray,
} from './normalize.js';
import { column, keyColumn, RAW_COLUMN } from './table-spec.js';
import type { IncrementalStream, NormalizeResult, TableSpec } from './types.js';

/** `id` is a UUID SEI assigns per ingestion; `workitem_id` within its integration is the identity. */
const KEY_FIELDS = ['integration_id', 'workitem_id'] as const;

export const workitemsTable: TableSpec = {
  schema: 'sei',
  name: 'workitems',
  key: ['integration_id', 'workitem_id'],
  columns: [
    keyColumn('integration_id'),
    keyColumn('workitem_id'),
    column('id', 'text'),
    column('project', 'text'),
    column('summary', 'text'),
    column('status', 'text'),
    column('status_category', 'text'),
    column('workitem_type', 'text'),
    column('priority', 'text'),
    column('assignee', 'text'),
    column('assignee_id', 'text'),
    column('reporter', 'text'),
    column('reporter_id', 'text'),
    column('epic', 'text'),
    column('parent_workitem_id', 'text'),
    column('story_points', 'double precision'),
    column('resolution', 'text'),
    column('is_active', 'boolean'),
    column('desc_size', 'integer'),
    column('hops', 'integer'),
    column('bounces', 'integer'),
    column('num_attachments', 'integer'),
    column('original_estimate', 'bigint'),
    column('workitem_created_at', 'timestamptz'),
    column('workitem_updated_at', 'timestamptz'),
    column('workitem_resolved_at', 'timestamptz'),
    column('workitem_due_at', 'timestamptz'),
    column('first_comment_at', 'timestamptz'),
    column('ingested_at', 'timestamptz'),
    column('labels', 'text[]'),
    column('fix_versions', 'text[]'),
    column('versions', 'text[]'),
    column('components', 'text[]'),
    column('sprint_ids', 'text[]'),
    column('custom_fields', 'jsonb'),
    column('attributes', 'jsonb'),
    RAW_COLUMN,
  ],
};

function normalize(record: SeiRecord, notes: FieldNotes): NormalizeResult {
  const key = readKeyFields(record, KEY_FIELDS);
  if (!key.ok) return reject(key.reason);
  const [integration_id, workitem_id] = key.values;
  return accept({
    integration_id,
    workitem_id,
    id: toText(record.id, notes, 'id'),
    project: toText(record.project, notes, 'project'),
    summary: toText(record.summary, notes, 'summary'),
    status: toText(record.status, notes, 'status'),
    status_category: toText(record.status_category, notes, 'status_category'),
    workitem_type: toText(record.workitem_type, notes, 'workitem_type'),
    priority: toText(record.priority, notes, 'priority'),
    assignee: toText(record.assignee, notes, 'assignee'),
    assignee_id: toText(record.assignee_id, notes, 'assignee_id'),
    reporter: toText(record.reporter, notes, 'reporter'),
    reporter_id: toText(record.reporter_id, notes, 'reporter_id'),
    epic: toText(record.epic, notes, 'epic'),
    parent_workitem_id: toText(record.parent_workitem_id, notes, 'parent_workitem_id'),
    // SEI's work item model names it `story_point`; accept the Jira spelling too.
    story_points: fromEither(toNumber, record, notes, ['story_point', 'story_points']),
    resolution: toText(record.resolution, notes, 'resolution'),
    is_active: toBool(record.is_active, notes, 'is_active'),
    desc_size: toInt(record.desc_size, notes, 'desc_size'),
    hops: toInt(record.hops, notes, 'hops'),
    bounces: toInt(record.bounces, notes, 'bounces'),
    num_attachments: toInt(record.num_attachments, notes, 'num_attachments'),
    original_estimate: toBigInt(record.original_estimate, notes, 'original_estimate'),
    workitem_created_at: epochSeconds(record.workitem_created_at, notes, 'workitem_created_at'),
    workitem_updated_at: epochSeconds(record.workitem_updated_at, notes, 'workitem_updated_at'),
    workitem_resolved_at: epochSeconds(record.workitem_resolved_at, notes, 'workitem_resolved_at'),
    workitem_due_at: epochSeconds(record.workitem_due_at, notes, 'workitem_due_at'),
    first_comment_at: epochSeconds(record.first_comment_at, notes, 'first_comment_at'),
    ingested_at: epochSeconds(record.ingested_at, notes, 'ingested_at'),
    labels: toTextArray(record.labels, notes, 'labels'),
    fix_versions: toTextArray(record.fix_versions, notes, 'fix_versions'),
    versions: toTextArray(record.versions, notes, 'versions'),
    components: fromEither(toTextArray, record, notes, ['components', 'component_list']),
    sprint_ids: toTextArray(record.sprint_ids, notes, 'sprint_ids'),
    custom_fields: toJsonObject(record.custom_fields, notes, 'custom_fields'),
    attributes: toJsonObject(record.attributes, notes, 'attributes'),
    raw: record,
  });
}

/**
 * Cursor: `workitem_updated_at`, Azure DevOps' own change time as SEI ingested it into the latest daily
 * snapshot (a change always moves it forward, so a window on it sees every change). The server always
 * sorts by it ascending (`workitem_id` breaks ties), whatever is asked. Pages come from each
 * integration's latest snapshot (`ingested_at`); a walk that sees two is re-read.
 */
export const workitemsStream: IncrementalStream = {
  name: 'workitems',
  path: '/v1/issue_mgmt/workitems/list',
  mode: 'incremental',
  integrationColumn: 'integration_id',
  forceDatabaseSource: true,
  cursor: {
    filter: { field: 'workitem_updated_at', boundType: 'number', inclusive: false },
    recordField: 'workitem_updated_at',
    recordUnit: 's',
    column: 'workitem_updated_at',
    serverOrder: 'asc',
  },
  snapshotField: 'ingested_at',
  sort: [{ id: 'workitem_updated_at', desc: false }],
  pageSizeParam: 'page_size',
  hasNext: 'page_full',
  table: workitemsTable,
  children: [],
  recordKey: recordKeyOf(KEY_FIELDS),
  normalize,
};
