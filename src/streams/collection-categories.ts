/** Collection categories (the top-level trees of org units): `/v1/org/groups/list` on the real server. */
import { defineStream } from './define-stream.js';
import { bool, millis, text } from './fields.js';
import { keyFields } from './stream-key.js';

/**
 * The OpenAPI reference documents `/v1/org/workspaces/units/list`, but no controller serves it in the
 * server's code: OrgUnitCategoryController serves `/v1/org/groups/list` (what the SEI UI calls) and
 * `v1/org/categories/list`. The documented route is tried first and the others on 404; the one that
 * answered is remembered (SEI_CATEGORIES_PATH forces one). The documented body spells the page size
 * `pageSize`, but DefaultListRequest binds only `page_size`. The server sorts by `created_at ASC`.
 */
export const collectionCategoriesStream = defineStream({
  name: 'collection_categories',
  path: '/v1/org/workspaces/units/list',
  alternativePaths: ['/v1/org/groups/list', '/v1/org/categories/list'],
  mode: 'full_refresh',
  sort: [{ id: 'created_at', desc: false }],
  // COUNT(*) over the query with LIMIT/OFFSET applied: the page's own size.
  totalCount: 'page',
  table: 'collection_categories',
  key: keyFields('id'),
  fields: [
    text('name'),
    text('description'),
    bool('is_predefined'),
    bool('enabled'),
    // Text, to join with org_units.id (a ref id SEI sends as a number here and a string there).
    text('root_ou_ref_id'),
    text('root_ou_id'),
    text('root_ou_name'),
    text('workspace_id'),
    millis('created_at'),
    millis('updated_at'),
  ],
});
