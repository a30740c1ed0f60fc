/**
 * `/v1/jira_issues/list`: one row per issue and integration (the latest daily snapshot SEI serves),
 * plus its status and assignee histories as child rows.
 */
import { defineStream } from './define-stream.js';
import { bigint, float, integer, object, seconds, text, texts } from './fields.js';
import { keyFields } from './stream-key.js';
import { trackerTextColumns } from './tracker-fields.js';

/** Entries of `status_list` / `assignee_list`: `{status|assignee, start_time, end_time, ...}`, newest first. */
const historyOf = (table: string, list: string, value: string) => ({
  table,
  list,
  fields: [text(value), seconds('start_time'), seconds('end_time')],
});

/**
 * Cursor: `issue_updated_at`, Jira's own change time of the issue (every change moves it forward). The
 * server honours an ascending sort on it (it is in SORTABLE_COLUMNS; `key ASC` breaks ties). Lists
 * come from each integration's latest daily snapshot (`ingested_at`): a walk that sees two snapshots
 * is re-read, and deleted issues simply stop being listed (full walks mark them deleted).
 */
export const jiraIssuesStream = defineStream({
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
  // The endpoint answers 400 above this.
  maxPageSize: 10_000,
  table: 'jira_issues',
  // Records may have no `id`: the issue key within its integration is the identity.
  key: keyFields('integration_id', ['issue_key', 'key']),
  fields: [
    ...trackerTextColumns('issue_type', 'parent_key'),
    float('story_points'),
    text('resolution'),
    integer('desc_size'),
    integer('hops'),
    integer('bounces'),
    integer('num_attachments'),
    // Seconds of estimated work, not an instant.
    bigint('original_estimate'),
    seconds('issue_created_at'),
    seconds('issue_updated_at'),
    seconds('issue_resolved_at'),
    seconds('issue_due_at'),
    seconds('first_comment_at'),
    seconds('ingested_at'),
    seconds('created_at'),
    texts('labels'),
    texts('fix_versions'),
    texts('versions'),
    texts('components', { from: 'component_list' }),
    object('custom_fields'),
    // The sprints the issue is in (jira_sprints.sprint_id); `[]` when none (migration 008).
    texts('sprint_ids'),
  ],
  children: [
    historyOf('jira_issue_status_history', 'status_list', 'status'),
    historyOf('jira_issue_assignee_history', 'assignee_list', 'assignee'),
  ],
});
