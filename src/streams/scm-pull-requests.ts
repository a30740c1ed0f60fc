/** `/v1/scm/prs/list`: one row per pull (merge) request. */
import { defineStream } from './define-stream.js';
import { bool, integer, seconds, text, texts } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * Cursor: `pr_updated_at`, the PR's last change on the SCM side as SEI ingests it; any change to the
 * PR (comment, review, merge) moves it forward. The server honours the requested sort on it but has no
 * tiebreaker (a bot closing PRs gives hundreds the same second): the keyset re-reads each boundary
 * instant, and an instant larger than a page is read on its own until two reads agree.
 */
export const scmPullRequestsStream = defineStream({
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
  table: 'scm_pull_requests',
  key: keyFields('id'),
  fields: [
    text('integration_id'),
    // SEI sends `repo_id` as a list (a PR can span mirrored repos).
    texts('repo_ids', { from: 'repo_id' }),
    text('project'),
    // SEI sends the PR number as a string; BI sorts and joins on it as a number.
    integer('number'),
    text('title'),
    text('state'),
    bool('merged'),
    text('creator'),
    text('creator_id'),
    text('merge_sha'),
    text('source_branch'),
    text('target_branch'),
    texts('assignees'),
    texts('assignee_ids'),
    texts('reviewers'),
    texts('reviewer_ids'),
    texts('approvers'),
    texts('approver_ids'),
    texts('labels'),
    texts('commit_shas'),
    // `lines_added` may arrive as a string.
    integer('lines_added'),
    integer('lines_deleted'),
    integer('lines_changed'),
    // SEI's commit records say `files_ct`; PR records have been seen with `files_changed`.
    integer('files_count', { from: ['files_ct', 'files_changed'] }),
    integer('comment_count'),
    integer('commits_count'),
    seconds('pr_created_at'),
    seconds('pr_updated_at'),
    seconds('pr_merged_at'),
    seconds('pr_closed_at'),
    seconds('first_review_at'),
  ],
});
