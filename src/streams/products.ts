/** `/v1/products/list` (also `/v1/org/workspaces/list`): SEI workspaces (Product). */

import { defineStream } from './define-stream.js';
import { bool, list, seconds, text, texts } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * Full refresh, although `updated_at` is filterable (JSON numbers only, int-sized): the server ignores
 * the sort (`ORDER BY updatedat DESC`, no tiebreaker), changing a workspace's integrations does not
 * always move `updated_at`, and a disabled workspace silently leaves the list (`disabled = false` is
 * forced), which only a complete read notices. Workspaces are few: one request reads them all.
 * Never filter by `integration_id` here (an unjoined extra table: rows repeat, full pages fail).
 */
export const productsStream = defineStream({
  name: 'products',
  path: '/v1/products/list',
  mode: 'full_refresh',
  sort: [{ id: 'updated_at', desc: true }],
  table: 'products',
  key: keyFields('id'),
  fields: [
    text('name'),
    text('description'),
    text('product_key', { from: 'key' }),
    // camelCase in the record.
    text('org_identifier', { from: 'orgIdentifier' }),
    text('owner_id'),
    texts('integration_ids'),
    list('integrations'),
    bool('bootstrapped'),
    bool('immutable'),
    bool('disabled'),
    bool('demo'),
    seconds('created_at'),
    seconds('updated_at'),
  ],
});
