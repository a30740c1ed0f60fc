/**
 * The natural key of a stream's records, declared once: which columns hold it and how it is read
 * from a record. A record without a usable key is rejected (with the reason), never stored.
 */
import type { SeiRecord } from '../sei/types.js';
import { type KeyFields, readKeyFields } from './normalize.js';

export interface StreamKey {
  /** The key columns (text, NOT NULL), in key order. */
  readonly columns: readonly string[];
  /** The key's values in column order, or why the record has no usable key. Pure, never throws. */
  read(record: SeiRecord): KeyFields;
}

/**
 * A key made of record fields: `'id'` is the column `id` from the field `id`; `['issue_key', 'key']`
 * is the column `issue_key` from the field `key`.
 */
export function keyFields(
  ...parts: readonly (string | readonly [column: string, from: string])[]
): StreamKey {
  const columns = parts.map((part) => (typeof part === 'string' ? part : part[0]));
  const sources = parts.map((part) => (typeof part === 'string' ? part : part[1]));
  return { columns, read: (record) => readKeyFields(record, sources) };
}

/** A one-column key computed from the record (commits: `id` or `integration_id:commit_sha`). */
export function computedKey(
  column: string,
  read: (record: SeiRecord) => { ok: true; key: string } | { ok: false; reason: string },
): StreamKey {
  return {
    columns: [column],
    read: (record) => {
      const key = read(record);
      return key.ok ? { ok: true, values: [key.key] } : key;
    },
  };
}
