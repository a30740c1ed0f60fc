/** `/v1/scm/prs/list`: one row per pull (merge) request. */
import type { SeiRecord } from '../sei/types.js';
import {
  accept,
  epochSeconds,
  type FieldNotes,
  fromEither,
  readKeyFields,
  recordKeyOf,
  reject,
  toBool,
  toInt,
  toText,
  toTextArray,
} from './normalize.js';
import { column, keyColumn, RAW_COLUMN } from './table-spec.js';
import type { IncrementalStream, NormalizeResult, TableSpec } from './types.js';

const KEY_FIELDS = ['id'] as const;

export const scmPullRequestsTable: TableSpec = {
  schema: 'sei',
  name: 'scm_pull_requests',
  key: ['id'],
  columns: [
    keyColumn('id'),
    column('integration_id', 'text'),
    column('repo_ids', 'text[]'),
    column('project', 'text'),
    column('number', 'integer'),
    column('title', 'text'),
    column('state', 'text'),
    column('merged', 'boolean'),
    column('creator', 'text'),
    column('creator_id', 'text'),
    column('merge_sha', 'text'),
    column('source_branch', 'text'),
    column('target_branch', 'text'),
    column('assignees', 'text[]'),
    column('assignee_ids', 'text[]'),
    column('reviewers', 'text[]'),
    column('reviewer_ids', 'text[]'),
    column('approvers', 'text[]'),
    column('approver_ids', 'text[]'),
    column('labels', 'text[]'),
    column('commit_shas', 'text[]'),
    column('lines_added', 'integer'),
    column('lines_deleted', 'integer'),
    column('lines_changed', 'integer'),
    column('files_count', 'integer'),
    column('comment_count', 'integer'),
    column('commits_count', 'integer'),
    column('pr_created_at', 'timestamptz'),
    column('pr_updated_at', 'timestamptz'),
    column('pr_merged_at', 'timestamptz'),
    column('pr_closed_at', 'timestamptz'),
    column('first_review_at', 'timestamptz'),
    RAW_COLUMN,
  ],
};

function normalize(record: SeiRecord, notes: FieldNotes): NormalizeResult {
  const key = readKeyFields(record, KEY_FIELDS);
  if (!key.ok) return reject(key.reason);
  const [id] = key.values;
  return accept({
    id,
    integration_id: toText(record.integration_id, notes, 'integration_id'),
    // SEI sends `repo_id` as a list (a PR can span mirrored repos).
    repo_ids: toTextArray(record.repo_id, notes, 'repo_id'),
    project: toText(record.project, notes, 'project'),
    // SEI sends the PR number as a string; BI sorts and joins on it as a number.
    number: toInt(record.number, notes, 'number'),
    title: toText(record.title, notes, 'title'),
    state: toText(record.state, notes, 'state'),
    merged: toBool(record.merged, notes, 'merged'),
    creator: toText(record.creator, notes, 'creator'),
    creator_id: toText(record.creator_id, notes, 'creator_id'),
    merge_sha: toText(record.merge_sha, notes, 'merge_sha'),
    source_branch: toText(record.source_branch, notes, 'source_branch'),
    target_branch: toText(record.target_branch, notes, 'target_branch'),
    assignees: toTextArray(record.assignees, notes, 'assignees'),
    assignee_ids: toTextArray(record.assignee_ids, notes, 'assignee_ids'),
    reviewers: toTextArray(record.reviewers, notes, 'reviewers'),
    reviewer_ids: toTextArray(record.reviewer_ids, notes, 'reviewer_ids'),
    approvers: toTextArray(record.approvers, notes, 'approvers'),
    approver_ids: toTextArray(record.approver_ids, notes, 'approver_ids'),
    labels: toTextArray(record.labels, notes, 'labels'),
    commit_shas: toTextArray(record.commit_shas, notes, 'commit_shas'),
    // `lines_added` may arrive as a string.
    lines_added: toInt(record.lines_added, notes, 'lines_added'),
    lines_deleted: toInt(record.lines_deleted, notes, 'lines_deleted'),
    lines_changed: toInt(record.lines_changed, notes, 'lines_changed'),
    // SEI's commit records say `files_ct`; PR records have been seen with `files_changed`.
    files_count: fromEither(toInt, record, notes, ['files_ct', 'files_changed']),
    comment_count: toInt(record.comment_count, notes, 'comment_count'),
    commits_count: toInt(record.commits_count, notes, 'commits_count'),
    pr_created_at: epochSeconds(record.pr_created_at, notes, 'pr_created_at'),
    pr_updated_at: epochSeconds(record.pr_updated_at, notes, 'pr_updated_at'),
    pr_merged_at: epochSeconds(record.pr_merged_at, notes, 'pr_merged_at'),
    pr_closed_at: epochSeconds(record.pr_closed_at, notes, 'pr_closed_at'),
    first_review_at: epochSeconds(record.first_review_at, notes, 'first_review_at'),
    raw: record,
  });
}

/**
 * Cursor: `pr_updated_at`, the PR's last change on the SCM side as SEI ingests it; any change to the
 * PR (comment, review, merge) moves it forward. The server honours the requested sort on it but has no
 * tiebreaker (a bot closing PRs gives hundreds the same second): the keyset re-reads each boundary
 * instant, and an instant larger than a page is read on its own until two reads agree.
 */
export const scmPullRequestsStream: IncrementalStream = {
  name: 'scm_pull_requests',
  path: '/v1/scm/prs/list',
  mode: 'incremental',
  integrationColumn: 'integration_id',
  forceDatabaseSource: true,
  cursor: {
    filter: { field: 'pr_updated_at', boundType: 'number', inclusive: false },
    recordField: 'pr_updated_at',
    recordUnit: 's',
    column: 'pr_updated_at',
    serverOrder: 'asc',
  },
  sort: [{ id: 'pr_updated_at', desc: false }],
  pageSizeParam: 'page_size',
  hasNext: 'page_full',
  table: scmPullRequestsTable,
  children: [],
  recordKey: recordKeyOf(KEY_FIELDS),
  normalize,
};
