/** `/v1/org/users/list`: contributors (org users) with their identities in each integration. */
import type { SeiRecord } from '../extract/sei/types.js';
import { describeValue, type FieldNotes, isPlainObject, toKeyText } from '../normalize/convert.js';
import { defineStream } from './define-stream.js';
import { field, list, millis, object, text } from './fields.js';
import { computedKey } from './stream-key.js';

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

export const orgUsersStream = defineStream({
  name: 'org_users',
  path: '/v1/org/users/list',
  mode: 'full_refresh',
  // Ignored: the server orders by `ref_id, created_at DESC` (external users share a NULL ref_id). The
  // list is read whole in one request, so its order does not matter.
  sort: [{ id: 'created_at', desc: true }],
  // has_next is `total_count > records on this page`: true on the last page and past the end.
  hasNext: 'total_exceeds_page',
  table: 'org_users',
  key: computedKey('user_key', orgUserKey),
  fields: [
    text('id'),
    text('full_name'),
    text('email'),
    list('integration_user_ids'),
    field('integration_user_keys', 'text[]', toIntegrationUserKeys, { from: 'integration_user_ids' }),
    object('additional_fields'),
    text('version'),
    millis('created_at'),
    millis('updated_at'),
  ],
});
