/** `/v1/issue_mgmt/sprints/list`: Azure DevOps iterations (DbIssueSprint). */
import { defineStream } from './define-stream.js';
import { seconds, text } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * Full refresh: the `sprint_*_at` filters exist, but without a sort the server has no ORDER BY, and
 * a sort is put verbatim into `LOWER(<key>)`, which only text columns survive (a time column is a
 * SQL error, HTTP 500): no order a keyset could use. Iterations are few; the list is read whole.
 * Instants are `java.sql.Timestamp`s, which SEI serializes in epoch seconds. Work items name their
 * iterations by full path (`sprint_full_names`): `parent_sprint` + `\` + `name`.
 */
export const workitemSprintsStream = defineStream({
  name: 'workitem_sprints',
  path: '/v1/issue_mgmt/sprints/list',
  mode: 'full_refresh',
  integrationColumn: 'integration_id',
  sort: [{ id: 'name', desc: false }],
  table: 'workitem_sprints',
  key: keyFields('integration_id', 'sprint_id'),
  fields: [
    text('id'),
    text('name'),
    text('parent_sprint'),
    text('project_id'),
    // Azure DevOps' time frame: past, current or future.
    text('state'),
    seconds('start_date'),
    seconds('end_date'),
    seconds('completed_date'),
  ],
});
