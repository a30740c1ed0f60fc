/** `/v1/org/users/list`: contributors (org users) with their identities in each integration. */
import type { SeiRecord } from '../sei/types.js';
import {
  accept,
  describeValue,
  epochMillis,
  type FieldNotes,
  isPlainObject,
  reject,
  toJsonArray,
  toJsonObject,
  toKeyText,
  toText,
} from './normalize.js';
import { column, keyColumn, RAW_COLUMN } from './table-spec.js';
import type { FullRefreshStream, NormalizeResult, TableSpec } from './types.js';

/** SEI gives every dangling "External User" the same id. */
export const EXTERNAL_USER_ID = '0';

/**
 * `integration_user_ids` as `<integration_id>:<user_id>` strings, sorted; null when the field is not
 * a list of objects carrying both ids as usable keys.
 */
export function integrationUserKeys(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  const keys: string[] = [];
  for (const entry of value) {
    if (!isPlainObject(entry)) return null;
    const integrationId = toKeyText(entry.integration_id);
    const userId = toKeyText(entry.user_id);
    if (integrationId === undefined || userId === undefined) return null;
    keys.push(`${integrationId}:${userId}`);
  }
  return keys.sort();
}

/** `integrationUserKeys` as a converter: a list whose entries do not all carry both ids is NULL with a note. */
function toIntegrationUserKeys(value: unknown, notes: FieldNotes, field: string): string[] | null {
  const keys = integrationUserKeys(value);
  // A value that is not a list at all is noted once, by the jsonb column beside this one.
  if (keys === null && Array.isArray(value))
    notes.add(field, 'nulled_wrong_type', 'not every entry has an integration_id and a user_id');
  return keys;
}

/**
 * The stored key of an org user: its `id`, except for External User rows (`id: "0"`, all alike),
 * which are keyed by who they are in the integrations: `ext:` + their sorted
 * `<integration_id>:<user_id>` pairs joined by `,`. The same external identity keeps the same key
 * from run to run whatever order SEI lists its ids in; `ext:` cannot clash with a real id (numbers).
 */
export function orgUserKey(record: SeiRecord): { ok: true; key: string } | { ok: false; reason: string } {
  const id = toKeyText(record.id);
  if (id === undefined) return { ok: false, reason: `key field id is ${describeValue(record.id)}` };
  if (id !== EXTERNAL_USER_ID) return { ok: true, key: id };
  const pairs = integrationUserKeys(record.integration_user_ids);
  if (pairs === null || pairs.length === 0) {
    return {
      ok: false,
      reason: `external user (id "0") without usable integration_user_ids (${describeValue(record.integration_user_ids)})`,
    };
  }
  const key = toKeyText(`ext:${pairs.join(',')}`);
  return key === undefined
    ? {
        ok: false,
        reason: `external user key from ${pairs.length} integration user ids is too long for a key`,
      }
    : { ok: true, key };
}

export const orgUsersTable: TableSpec = {
  schema: 'sei',
  name: 'org_users',
  key: ['user_key'],
  columns: [
    keyColumn('user_key'),
    column('id', 'text'),
    column('full_name', 'text'),
    column('email', 'text'),
    column('integration_user_ids', 'jsonb'),
    column('integration_user_keys', 'text[]'),
    column('additional_fields', 'jsonb'),
    column('version', 'text'),
    column('created_at', 'timestamptz'),
    column('updated_at', 'timestamptz'),
    RAW_COLUMN,
  ],
};

function normalize(record: SeiRecord, notes: FieldNotes): NormalizeResult {
  const key = orgUserKey(record);
  if (!key.ok) return reject(key.reason);
  return accept({
    user_key: key.key,
    id: toText(record.id, notes, 'id'),
    full_name: toText(record.full_name, notes, 'full_name'),
    email: toText(record.email, notes, 'email'),
    integration_user_ids: toJsonArray(record.integration_user_ids, notes, 'integration_user_ids'),
    integration_user_keys: toIntegrationUserKeys(record.integration_user_ids, notes, 'integration_user_ids'),
    additional_fields: toJsonObject(record.additional_fields, notes, 'additional_fields'),
    version: toText(record.version, notes, 'version'),
    created_at: epochMillis(record.created_at, notes, 'created_at'),
    updated_at: epochMillis(record.updated_at, notes, 'updated_at'),
    raw: record,
  });
}

export const orgUsersStream: FullRefreshStream = {
  name: 'org_users',
  path: '/v1/org/users/list',
  mode: 'full_refresh',
  // Ignored: the server orders by `ref_id, created_at DESC` (external users share a NULL ref_id). The
  // list is read whole in one request, so its order does not matter.
  sort: [{ id: 'created_at', desc: true }],
  pageSizeParam: 'page_size',
  // has_next is `total_count > records on this page`: true on the last page and past the end.
  hasNext: 'total_exceeds_page',
  table: orgUsersTable,
  children: [],
  recordKey: (record) => {
    const key = orgUserKey(record);
    return key.ok ? key.key : undefined;
  },
  normalize,
};
