/** `/v1/org/units/list`: collections (org units), the tree BI groups people and work by. */
import type { SeiRecord } from '../sei/types.js';
import {
  accept,
  epochMillis,
  type FieldNotes,
  isPlainObject,
  readKeyFields,
  recordKeyOf,
  reject,
  toInt,
  toJsonArray,
  toText,
  toTextArray,
} from './normalize.js';
import { column, keyColumn, RAW_COLUMN } from './table-spec.js';
import type { FullRefreshStream, NormalizeResult, TableSpec } from './types.js';

/** `id` is the ref id that stays the same across versions; `ou_id` (a UUID) names one version. */
const KEY_FIELDS = ['id'] as const;

export const orgUnitsTable: TableSpec = {
  schema: 'sei',
  name: 'org_units',
  key: ['id'],
  columns: [
    keyColumn('id'),
    column('ou_id', 'text'),
    column('name', 'text'),
    column('path', 'text'),
    column('parent_ref_id', 'text'),
    column('version', 'text'),
    column('ou_category_id', 'text'),
    column('workspace_id', 'text'),
    column('managers', 'jsonb'),
    column('admins', 'jsonb'),
    column('tags', 'text[]'),
    column('member_user_ids', 'text[]'),
    column('sections', 'jsonb'),
    column('no_of_dashboards', 'integer'),
    column('default_dashboard_id', 'text'),
    column('created_at', 'timestamptz'),
    column('updated_at', 'timestamptz'),
    RAW_COLUMN,
  ],
};

/**
 * Org user ref ids of the unit's members, when the record lists them: in `default_section.users`
 * and in each of `sections[].users`, de-duplicated and sorted. Null when no member list is present
 * (dynamic membership is then defined by filters only).
 */
export function memberUserIds(record: SeiRecord, notes: FieldNotes): string[] | null {
  const lists: { users: unknown; field: string }[] = [];
  if (isPlainObject(record.default_section))
    lists.push({ users: record.default_section.users, field: 'default_section.users' });
  if (Array.isArray(record.sections)) {
    record.sections.forEach((section: unknown, i) => {
      if (isPlainObject(section)) lists.push({ users: section.users, field: `sections[${i}].users` });
    });
  }
  let found = false;
  const ids = new Set<string>();
  for (const { users: list, field } of lists) {
    const users = toTextArray(list, notes, field);
    if (users === null) continue;
    found = true;
    for (const user of users) ids.add(user);
  }
  return found ? [...ids].sort() : null;
}

function normalize(record: SeiRecord, notes: FieldNotes): NormalizeResult {
  const key = readKeyFields(record, KEY_FIELDS);
  if (!key.ok) return reject(key.reason);
  const [id] = key.values;
  return accept({
    id,
    ou_id: toText(record.ou_id, notes, 'ou_id'),
    name: toText(record.name, notes, 'name'),
    path: toText(record.path, notes, 'path'),
    // A number in the record (`76`) while `id` is a string (`"79"`): text, so the two join.
    parent_ref_id: toText(record.parent_ref_id, notes, 'parent_ref_id'),
    version: toText(record.version, notes, 'version'),
    ou_category_id: toText(record.ou_category_id, notes, 'ou_category_id'),
    workspace_id: toText(record.workspace_id, notes, 'workspace_id'),
    managers: toJsonArray(record.managers, notes, 'managers'),
    admins: toJsonArray(record.admins, notes, 'admins'),
    tags: toTextArray(record.tags, notes, 'tags'),
    member_user_ids: memberUserIds(record, notes),
    sections: toJsonArray(record.sections, notes, 'sections'),
    no_of_dashboards: toInt(record.no_of_dashboards, notes, 'no_of_dashboards'),
    default_dashboard_id: toText(record.default_dashboard_id, notes, 'default_dashboard_id'),
    created_at: epochMillis(record.created_at, notes, 'created_at'),
    updated_at: epochMillis(record.updated_at, notes, 'updated_at'),
    raw: record,
  });
}

export const orgUnitsStream: FullRefreshStream = {
  name: 'org_units',
  path: '/v1/org/units/list',
  mode: 'full_refresh',
  sort: [{ id: 'id', desc: false }],
  pageSizeParam: 'page_size',
  hasNext: 'page_full',
  // Under Harness ACL the server rebuilds the page and reports its own size as total_count.
  totalCount: 'page',
  table: orgUnitsTable,
  children: [],
  recordKey: recordKeyOf(KEY_FIELDS),
  normalize,
};
