/** A page's rows made ready to write: one per key, in key order, each with its raw JSON and hash. */

import { keyText } from '../state/sql-text.js';
import { RAW_COLUMN } from '../streams/table-spec.js';
import type { ColumnSpec, Row, TableSpec } from '../streams/types.js';
import { rowHash } from './row-hash.js';
import type { PreparedRow } from './write-types.js';

/** Last occurrence of each key wins; the result is sorted by key so concurrent writers lock in one order. */
export function dedupeByKey(rows: readonly Row[], key: readonly string[]): Row[] {
  const { byKey, keys } = lastRowOfEachKey(rows, key);
  return keys.map((text) => byKey.get(text)!);
}

/** Each key's last row, and the keys (`keyText`) in sorted order. */
function lastRowOfEachKey(
  rows: readonly Row[],
  key: readonly string[],
): { byKey: Map<string, Row>; keys: string[] } {
  const byKey = new Map<string, Row>();
  for (const row of rows) byKey.set(keyText(row, key), row);
  // The default sort orders strings by UTF-16 code units, as `<` does, without a comparator call.
  return { byKey, keys: [...byKey.keys()].sort() };
}

/**
 * The row's values for exactly these columns, missing ones as null, as `jsonb_to_recordset` reads
 * them: an instant held as epoch milliseconds (`EpochMs`) becomes its ISO text, as a Date would.
 */
export function pick(row: Row, columns: readonly ColumnSpec[]): Row {
  const out: Row = {};
  for (const column of columns) {
    const value = row[column.name] ?? null;
    out[column.name] = column.type === 'timestamptz' && typeof value === 'number' ? isoInstant(value) : value;
  }
  return out;
}

/** ISO text of epoch milliseconds; a number that is no instant is left for PostgreSQL to refuse. */
function isoInstant(ms: number): string | number {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? ms : date.toISOString();
}

/**
 * The page's rows to write: de-duplicated and sorted (`dedupeByKey`), the raw record serialized once
 * (the same text is sent and hashed). May throw what `JSON.stringify` throws on hostile data (a string
 * past V8's limit, nesting past its stack), which the page's isolation treats as the record's fault.
 */
export function prepareRows(table: TableSpec, rows: readonly Row[]): PreparedRow[] {
  const { byKey, keys } = lastRowOfEachKey(rows, table.key);
  return keys.map((key) => {
    const row = byKey.get(key)!;
    const raw = row[RAW_COLUMN.name];
    if (raw === null || raw === undefined) return { row, key, rawJson: null, hash: null };
    const rawJson = JSON.stringify(raw);
    return { row, key, rawJson, hash: rowHash(rawJson) };
  });
}
