/** `/v1/jiraprojects/list`: Jira projects (DbJiraProject). */
import { defineStream } from './define-stream.js';
import { bool, seconds, text, texts } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * Full refresh: no time filter and no ORDER BY. Keyed by (integration_id, cloud_id), the server's
 * unique index: `cloud_id` is Jira's project id, which survives a renamed project key. The endpoint
 * ignores `integration_ids` (only a single `integration_id` string filters) and needs the Admin role.
 */
export const jiraProjectsStream = defineStream({
  name: 'jira_projects',
  path: '/v1/jiraprojects/list',
  mode: 'full_refresh',
  sort: [{ id: 'key', desc: false }],
  table: 'jira_projects',
  key: keyFields('integration_id', 'cloud_id'),
  fields: [
    text('id'),
    text('project_key', { from: 'key' }),
    text('name'),
    bool('is_private'),
    text('lead_user_id'),
    texts('components'),
    seconds('created_at'),
  ],
});
