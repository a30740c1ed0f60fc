/** `/v1/jira_fields/list`: Jira custom fields (DbJiraField), the names of `custom_fields` keys. */
import { defineStream } from './define-stream.js';
import { bool, seconds, text } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * Full refresh: no time filter, and no ORDER BY at all, so the list is read whole in one request.
 * The controller always adds `custom = true` (only custom fields are listed). `total_count` is 0 on
 * an empty page and `offset + count` on a partial one: it is a count only when the page is full.
 */
export const jiraFieldsStream = defineStream({
  name: 'jira_fields',
  path: '/v1/jira_fields/list',
  mode: 'full_refresh',
  integrationColumn: 'integration_id',
  sort: [{ id: 'name', desc: false }],
  table: 'jira_fields',
  key: keyFields('integration_id', 'field_key'),
  fields: [
    text('id'),
    text('name'),
    bool('custom'),
    // Jira's `schema.type` lower-cased (`number`, `array`, ...) or, for a few custom types, `schema.custom`.
    text('field_type'),
    text('field_items'),
    seconds('created_at'),
  ],
});
