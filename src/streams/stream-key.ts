/**
 * The natural key of a stream's records, declared once: which columns hold it and how it is read
 * from a record. A record without a usable key is rejected (with the reason), never stored.
 */
import type { SeiRecord } from '../extract/sei/types.js';
import { describeValue, type KeyFields, MAX_TYPED_TEXT_BYTES, readKeyFields } from '../normalize/convert.js';

export interface StreamKey {
  /** The key columns (text, NOT NULL), in key order. */
  readonly columns: readonly string[];
  /** The key's values in column order, or why the record has no usable key. Pure, never throws. */
  read(record: SeiRecord): KeyFields;
}

/** A key part: a name (the same in record and table), or a column read from another record field. */
export type KeyPart = string | readonly [column: string, from: string];

/**
 * A key made of record fields: `'id'` is the column `id` from the field `id`; `['issue_key', 'key']`
 * is the column `issue_key` from the field `key`.
 */
export function keyFields(...parts: readonly KeyPart[]): StreamKey {
  const columns = parts.map((part) => (typeof part === 'string' ? part : part[0]));
  const sources = parts.map((part) => (typeof part === 'string' ? part : part[1]));
  return { columns, read: (record) => readKeyFields(record, sources) };
}

/**
 * `keyFields` where one part may be an empty string (SEI fills a missing SCM project with `""`, and
 * its unique index includes it): that part must be a string, possibly blank; the others as usual.
 */
export function keyFieldsWithBlank(blankable: string, ...parts: readonly KeyPart[]): StreamKey {
  const key = keyFields(...parts);
  const at = key.columns.indexOf(blankable);
  const strict = keyFields(...parts.filter((_, i) => i !== at));
  return {
    columns: key.columns,
    read: (record) => {
      const value = record[blankable];
      if (typeof value !== 'string' || Buffer.byteLength(value) > MAX_TYPED_TEXT_BYTES)
        return { ok: false, reason: `key field ${blankable} is ${describeValue(value)}` };
      const others = strict.read(record);
      if (!others.ok) return others;
      return { ok: true, values: [...others.values.slice(0, at), value, ...others.values.slice(at)] };
    },
  };
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
