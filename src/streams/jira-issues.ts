/**
 * `/v1/jira_issues/list`: one row per issue and integration (the latest daily snapshot SEI serves),
 * plus its status and assignee histories as child rows.
 */
import type { SeiRecord } from '../sei/types.js';
import {
  accept,
  epochSeconds,
  type FieldNotes,
  isPlainObject,
  ListEntryNotes,
  preview,
  readKeyFields,
  recordKeyOf,
  reject,
  toBigInt,
  toInt,
  toJsonObject,
  toNumber,
  toText,
  toTextArray,
} from './normalize.js';
import { column, keyColumn, ORDINAL_COLUMN, RAW_COLUMN } from './table-spec.js';
import type { ChildTableSpec, IncrementalStream, NormalizeResult, Row, TableSpec } from './types.js';

/** Records may have no `id`: the issue key within its integration is the identity. */
const KEY_FIELDS = ['integration_id', 'key'] as const;

export const jiraIssuesTable: TableSpec = {
  schema: 'sei',
  name: 'jira_issues',
  key: ['integration_id', 'issue_key'],
  columns: [
    keyColumn('integration_id'),
    keyColumn('issue_key'),
    column('id', 'text'),
    column('project', 'text'),
    column('summary', 'text'),
    column('status', 'text'),
    column('status_category', 'text'),
    column('issue_type', 'text'),
    column('priority', 'text'),
    column('assignee', 'text'),
    column('assignee_id', 'text'),
    column('reporter', 'text'),
    column('reporter_id', 'text'),
    column('epic', 'text'),
    column('parent_key', 'text'),
    column('story_points', 'double precision'),
    column('resolution', 'text'),
    column('desc_size', 'integer'),
    column('hops', 'integer'),
    column('bounces', 'integer'),
    column('num_attachments', 'integer'),
    column('original_estimate', 'bigint'),
    column('issue_created_at', 'timestamptz'),
    column('issue_updated_at', 'timestamptz'),
    column('issue_resolved_at', 'timestamptz'),
    column('issue_due_at', 'timestamptz'),
    column('first_comment_at', 'timestamptz'),
    column('ingested_at', 'timestamptz'),
    column('created_at', 'timestamptz'),
    column('labels', 'text[]'),
    column('fix_versions', 'text[]'),
    column('versions', 'text[]'),
    column('components', 'text[]'),
    column('custom_fields', 'jsonb'),
    RAW_COLUMN,
  ],
};

const PARENT_KEY = ['integration_id', 'issue_key'] as const;

export const jiraIssueStatusHistoryTable: ChildTableSpec = {
  schema: 'sei',
  name: 'jira_issue_status_history',
  parentKey: PARENT_KEY,
  columns: [
    keyColumn('integration_id'),
    keyColumn('issue_key'),
    ORDINAL_COLUMN,
    column('status', 'text'),
    column('start_time', 'timestamptz'),
    column('end_time', 'timestamptz'),
  ],
};

export const jiraIssueAssigneeHistoryTable: ChildTableSpec = {
  schema: 'sei',
  name: 'jira_issue_assignee_history',
  parentKey: PARENT_KEY,
  columns: [
    keyColumn('integration_id'),
    keyColumn('issue_key'),
    ORDINAL_COLUMN,
    column('assignee', 'text'),
    column('start_time', 'timestamptz'),
    column('end_time', 'timestamptz'),
  ],
};

/**
 * One child row per object in `list`, in list order, numbered 0, 1, 2, ... (`ordinal`). Entries that
 * are not objects are skipped without leaving a gap (the engine reads an ordinal that does not go up
 * as the start of the next issue's list), with a note; `raw` still holds them. SEI lists newest first.
 */
function historyRows(
  record: SeiRecord,
  listField: 'status_list' | 'assignee_list',
  valueField: 'status' | 'assignee',
  parent: { integration_id: string; issue_key: string },
  notes: FieldNotes,
): Row[] {
  const list = record[listField];
  if (!Array.isArray(list)) {
    if (list !== undefined && list !== null)
      notes.add(listField, 'nulled_wrong_type', `${preview(list)} is not a list: no history rows`);
    return [];
  }
  const rows: Row[] = [];
  const at = new ListEntryNotes(notes, listField);
  for (let i = 0; i < list.length; i++) {
    const entry: unknown = list[i];
    if (!isPlainObject(entry)) {
      notes.add(`${listField}[${i}]`, 'nulled_wrong_type', `${preview(entry)} is not an entry: skipped`);
      continue;
    }
    at.index = i;
    rows.push({
      integration_id: parent.integration_id,
      issue_key: parent.issue_key,
      ordinal: rows.length,
      [valueField]: toText(entry[valueField], at, valueField),
      start_time: epochSeconds(entry.start_time, at, 'start_time'),
      end_time: epochSeconds(entry.end_time, at, 'end_time'),
    });
  }
  return rows;
}

function normalize(record: SeiRecord, notes: FieldNotes): NormalizeResult {
  const key = readKeyFields(record, KEY_FIELDS);
  if (!key.ok) return reject(key.reason);
  const [integration_id = '', issue_key = ''] = key.values;
  const parent = { integration_id, issue_key };
  return accept(
    {
      integration_id,
      issue_key,
      id: toText(record.id, notes, 'id'),
      project: toText(record.project, notes, 'project'),
      summary: toText(record.summary, notes, 'summary'),
      status: toText(record.status, notes, 'status'),
      status_category: toText(record.status_category, notes, 'status_category'),
      issue_type: toText(record.issue_type, notes, 'issue_type'),
      priority: toText(record.priority, notes, 'priority'),
      assignee: toText(record.assignee, notes, 'assignee'),
      assignee_id: toText(record.assignee_id, notes, 'assignee_id'),
      reporter: toText(record.reporter, notes, 'reporter'),
      reporter_id: toText(record.reporter_id, notes, 'reporter_id'),
      epic: toText(record.epic, notes, 'epic'),
      parent_key: toText(record.parent_key, notes, 'parent_key'),
      story_points: toNumber(record.story_points, notes, 'story_points'),
      resolution: toText(record.resolution, notes, 'resolution'),
      desc_size: toInt(record.desc_size, notes, 'desc_size'),
      hops: toInt(record.hops, notes, 'hops'),
      bounces: toInt(record.bounces, notes, 'bounces'),
      num_attachments: toInt(record.num_attachments, notes, 'num_attachments'),
      // Seconds of estimated work, not an instant.
      original_estimate: toBigInt(record.original_estimate, notes, 'original_estimate'),
      issue_created_at: epochSeconds(record.issue_created_at, notes, 'issue_created_at'),
      issue_updated_at: epochSeconds(record.issue_updated_at, notes, 'issue_updated_at'),
      issue_resolved_at: epochSeconds(record.issue_resolved_at, notes, 'issue_resolved_at'),
      issue_due_at: epochSeconds(record.issue_due_at, notes, 'issue_due_at'),
      first_comment_at: epochSeconds(record.first_comment_at, notes, 'first_comment_at'),
      ingested_at: epochSeconds(record.ingested_at, notes, 'ingested_at'),
      created_at: epochSeconds(record.created_at, notes, 'created_at'),
      labels: toTextArray(record.labels, notes, 'labels'),
      fix_versions: toTextArray(record.fix_versions, notes, 'fix_versions'),
      versions: toTextArray(record.versions, notes, 'versions'),
      components: toTextArray(record.component_list, notes, 'component_list'),
      custom_fields: toJsonObject(record.custom_fields, notes, 'custom_fields'),
      raw: record,
    },
    {
      [jiraIssueStatusHistoryTable.name]: historyRows(record, 'status_list', 'status', parent, notes),
      [jiraIssueAssigneeHistoryTable.name]: historyRows(record, 'assignee_list', 'assignee', parent, notes),
    },
  );
}

/**
 * Cursor: `issue_updated_at`, Jira's own change time of the issue (every change moves it forward). The
 * server honours an ascending sort on it (it is in SORTABLE_COLUMNS; `key ASC` breaks ties). Lists
 * come from each integration's latest daily snapshot (`ingested_at`): a walk that sees two snapshots
 * is re-read, and deleted issues simply stop being listed (full walks mark them deleted).
 */
export const jiraIssuesStream: IncrementalStream = {
  name: 'jira_issues',
  path: '/v1/jira_issues/list',
  mode: 'incremental',
  integrationColumn: 'integration_id',
  forceDatabaseSource: true,
  cursor: {
    filter: { field: 'issue_updated_at', boundType: 'number', inclusive: false },
    recordField: 'issue_updated_at',
    recordUnit: 's',
    column: 'issue_updated_at',
    serverOrder: 'asc',
  },
  snapshotField: 'ingested_at',
  sort: [{ id: 'issue_updated_at', desc: false }],
  pageSizeParam: 'page_size',
  // The endpoint answers 400 above this.
  maxPageSize: 10_000,
  hasNext: 'page_full',
  table: jiraIssuesTable,
  children: [jiraIssueStatusHistoryTable, jiraIssueAssigneeHistoryTable],
  recordKey: recordKeyOf(KEY_FIELDS),
  normalize,
};
