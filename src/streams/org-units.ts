/** `/v1/org/units/list`: collections (org units), the tree BI groups people and work by. */
import type { SeiRecord } from '../extract/sei/types.js';
import { type FieldNotes, isPlainObject, toTextArray } from '../normalize/convert.js';
import { defineStream } from './define-stream.js';
import { derived, integer, list, millis, text, texts } from './fields.js';
import { keyFields } from './stream-key.js';

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

export const orgUnitsStream = defineStream({
  name: 'org_units',
  path: '/v1/org/units/list',
  mode: 'full_refresh',
  sort: [{ id: 'id', desc: false }],
  // Under Harness ACL the server rebuilds the page and reports its own size as total_count.
  totalCount: 'page',
  table: 'org_units',
  // `id` is the ref id that stays the same across versions; `ou_id` (a UUID) names one version.
  key: keyFields('id'),
  fields: [
    text('ou_id'),
    text('name'),
    text('path'),
    // A number in the record (`76`) while `id` is a string (`"79"`): text, so the two join.
    text('parent_ref_id'),
    text('version'),
    text('ou_category_id'),
    text('workspace_id'),
    list('managers'),
    list('admins'),
    texts('tags'),
    derived('member_user_ids', 'text[]', memberUserIds),
    list('sections'),
    integer('no_of_dashboards'),
    text('default_dashboard_id'),
    millis('created_at'),
    millis('updated_at'),
  ],
});
