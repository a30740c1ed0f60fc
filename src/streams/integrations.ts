/** `/v1/integrations/list`: one row per connected tool (Jira, GitHub, Jenkins, ...). */
import { defineStream } from './define-stream.js';
import { bool, object, seconds, text, texts } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * Cursor: `updated_at`, the time SEI changed the integration (epoch seconds). The server reads its
 * bounds as `Map<String,Integer>` (numbers only) and ignores the sort: it always answers
 * `ORDER BY updatedat DESC`, so the keyset narrows the window from its upper end.
 */
export const integrationsStream = defineStream({
  name: 'integrations',
  path: '/v1/integrations/list',
  mode: 'incremental',
  integrationColumn: 'id',
  cursor: {
    filter: { field: 'updated_at', boundType: 'number', inclusive: false },
    recordField: 'updated_at',
    recordUnit: 's',
    column: 'updated_at',
    serverOrder: 'desc',
  },
  table: 'integrations',
  key: keyFields('id'),
  fields: [
    text('name'),
    text('description'),
    text('application'),
    text('url'),
    text('status'),
    bool('satellite'),
    text('authentication'),
    texts('tags'),
    object('metadata'),
    // SEI keeps integration times in epoch seconds (its filter takes seconds too); the guard in
    // epochSeconds absorbs milliseconds should a deployment send them.
    seconds('created_at'),
    seconds('updated_at'),
  ],
});
