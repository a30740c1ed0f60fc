/** `/v1/user_identities/list`: who each user id of an integration is (DbScmUser). */
import { defineStream } from './define-stream.js';
import { seconds, text, texts } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * Cursor: `updated_at` (epoch seconds), set by SEI when a display name or email changes. The server
 * reads its bounds as `Map<String,String>` (a number is a 500), exclusive, and honours the sort with
 * `id` as tiebreaker. Its result cache ignores the page (every page of a cached query is page 0):
 * harmless here, since every request says `there_is_no_cache=true`. A change of `mapping_status`
 * alone does not move `updated_at`: a full refresh (`--full-refresh`) picks those up.
 */
export const userIdentitiesStream = defineStream({
  name: 'user_identities',
  path: '/v1/user_identities/list',
  mode: 'incremental',
  integrationColumn: 'integration_id',
  cursor: {
    filter: { field: 'updated_at', boundType: 'string', inclusive: false },
    recordField: 'updated_at',
    recordUnit: 's',
    column: 'updated_at',
    serverOrder: 'asc',
  },
  table: 'user_identities',
  // The UUID PRs, commits and issues point at (`creator_id`, `author_id`, `assignee_id`).
  key: keyFields('id'),
  fields: [
    text('integration_id'),
    // The user's id in the tool (login, account id); camelCase in the record.
    text('cloud_id', { from: 'cloudId' }),
    text('display_name'),
    text('original_display_name'),
    // A list, although the record calls it `email`.
    texts('emails', { from: 'email' }),
    text('mapping_status'),
    seconds('created_at'),
    seconds('updated_at'),
  ],
});
