/** Collection categories (the top-level trees of org units): `/v1/org/groups/list` on the real server. */
import type { SeiRecord } from '../sei/types.js';
import {
  accept,
  epochMillis,
  type FieldNotes,
  readKeyFields,
  recordKeyOf,
  reject,
  toBool,
  toText,
} from './normalize.js';
import { column, keyColumn, RAW_COLUMN } from './table-spec.js';
import type { FullRefreshStream, NormalizeResult, TableSpec } from './types.js';

const KEY_FIELDS = ['id'] as const;

export const collectionCategoriesTable: TableSpec = {
  schema: 'sei',
  name: 'collection_categories',
  key: ['id'],
  columns: [
    keyColumn('id'),
    column('name', 'text'),
    column('description', 'text'),
    column('is_predefined', 'boolean'),
    column('enabled', 'boolean'),
    column('root_ou_ref_id', 'text'),
    column('root_ou_id', 'text'),
    column('root_ou_name', 'text'),
    column('workspace_id', 'text'),
    column('created_at', 'timestamptz'),
    column('updated_at', 'timestamptz'),
    RAW_COLUMN,
  ],
};

function normalize(record: SeiRecord, notes: FieldNotes): NormalizeResult {
  const key = readKeyFields(record, KEY_FIELDS);
  if (!key.ok) return reject(key.reason);
  const [id] = key.values;
  return accept({
    id,
    name: toText(record.name, notes, 'name'),
    description: toText(record.description, notes, 'description'),
    is_predefined: toBool(record.is_predefined, notes, 'is_predefined'),
    enabled: toBool(record.enabled, notes, 'enabled'),
    // Text, to join with org_units.id (a ref id SEI sends as a number here and a string there).
    root_ou_ref_id: toText(record.root_ou_ref_id, notes, 'root_ou_ref_id'),
    root_ou_id: toText(record.root_ou_id, notes, 'root_ou_id'),
    root_ou_name: toText(record.root_ou_name, notes, 'root_ou_name'),
    workspace_id: toText(record.workspace_id, notes, 'workspace_id'),
    created_at: epochMillis(record.created_at, notes, 'created_at'),
    updated_at: epochMillis(record.updated_at, notes, 'updated_at'),
    raw: record,
  });
}

/**
 * The OpenAPI reference documents `/v1/org/workspaces/units/list`, but no controller serves it in the
 * server's code: OrgUnitCategoryController serves `/v1/org/groups/list` (what the SEI UI calls) and
 * `v1/org/categories/list`. The documented route is tried first and the others on 404; the one that
 * answered is remembered (SEI_CATEGORIES_PATH forces one). The documented body spells the page size
 * `pageSize`, but DefaultListRequest binds only `page_size`. The server sorts by `created_at ASC`.
 */
export const collectionCategoriesStream: FullRefreshStream = {
  name: 'collection_categories',
  path: '/v1/org/workspaces/units/list',
  alternativePaths: ['/v1/org/groups/list', '/v1/org/categories/list'],
  mode: 'full_refresh',
  sort: [{ id: 'created_at', desc: false }],
  pageSizeParam: 'page_size',
  hasNext: 'page_full',
  // COUNT(*) over the query with LIMIT/OFFSET applied: the page's own size.
  totalCount: 'page',
  table: collectionCategoriesTable,
  children: [],
  recordKey: recordKeyOf(KEY_FIELDS),
  normalize,
};
