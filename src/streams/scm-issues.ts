/** `/v1/scm/issues/list`: GitHub/GitLab issues (DbScmIssue). */
import { defineStream } from './define-stream.js';
import { integer, seconds, text, texts } from './fields.js';
import { keyFieldsWithBlank } from './stream-key.js';

/**
 * Cursor: `issue_updated_at`, the issue's change time at the source (epoch seconds), exclusive,
 * numbers or strings; the server sorts by it in the direction asked, without a tiebreaker. Keyed by
 * where the issue lives, not by `id`: SEI deletes and re-inserts an issue on every update, so its
 * `id` (and `created_at`) change each time.
 */
export const scmIssuesStream = defineStream({
  name: 'scm_issues',
  path: '/v1/scm/issues/list',
  mode: 'incremental',
  integrationColumn: 'integration_id',
  cursor: {
    filter: { field: 'issue_updated_at', boundType: 'number', inclusive: false },
    recordField: 'issue_updated_at',
    recordUnit: 's',
    column: 'issue_updated_at',
    serverOrder: 'asc',
  },
  table: 'scm_issues',
  // `project` may be "" (SEI's default when the source has none); it is part of the server's unique index.
  key: keyFieldsWithBlank('project', 'integration_id', 'repo_id', 'project', 'issue_id'),
  fields: [
    // Changes on every re-ingestion: informative only.
    text('id'),
    integer('number'),
    text('title'),
    text('state'),
    text('creator'),
    text('creator_id'),
    texts('assignees'),
    texts('labels'),
    text('url'),
    integer('num_comments'),
    seconds('issue_created_at'),
    seconds('issue_updated_at'),
    seconds('issue_closed_at'),
    seconds('first_comment_at'),
    seconds('created_at'),
  ],
});
