/**
 * The rows of a page encoded for binary COPY (./copy-binary.ts), in the column orders the COPY
 * statements of ./write-path-copy.ts name: entity rows into the staging table (the raw record as the
 * JSON text already made and hashed, then `row_hash`) and child rows (then `run_id`).
 */

import { quoteIdent } from '../state/sql-text.js';
import { RAW_COLUMN } from '../streams/table-spec.js';
import type { ChildTableSpec, ColumnSpec, Row, TableSpec } from '../streams/types.js';
import { BinaryCopyRows, type CopyColumnType, JsonText, NotBinaryEncodableError } from './copy-binary.js';
import type { PreparedRow, WriteStamp } from './write-types.js';

/**
 * Bytes to start a buffer with, so that it rarely grows (a copy) and is not twice too large: per entity
 * row its raw JSON (one byte per character for the ASCII most records are) plus this for the typed
 * columns; per child row this.
 */
const ENTITY_TYPED_BYTES = 1024;
const CHILD_ROW_BYTES = 128;

/** A column list for a COPY statement. */
export function copyColumnList(columns: readonly { name: string }[]): string {
  return columns.map((column) => quoteIdent(column.name)).join(', ');
}

/**
 * Entity rows: the typed columns, then `row_hash`; with a `stamp`, then `run_id` and `last_synced_at`
 * too (a COPY straight into the entity table, ./write-path-copy.ts).
 */
export function encodeEntityRows(table: TableSpec, rows: readonly PreparedRow[], stamp?: WriteStamp): Buffer {
  const types: CopyColumnType[] = [...table.columns.map((column) => column.type), 'text'];
  if (stamp !== undefined) types.push('uuid', 'timestamptz');
  let bytes = 4096;
  for (const { rawJson } of rows) bytes += ENTITY_TYPED_BYTES + (rawJson?.length ?? 0);
  const out = new BinaryCopyRows(types, bytes);
  const values: unknown[] = new Array(types.length);
  const read = valuesReader(table.columns);
  const rawAt = table.columns.findIndex((column) => column.name === RAW_COLUMN.name);
  const hashAt = table.columns.length;
  if (stamp !== undefined) {
    values[hashAt + 1] = stamp.runId;
    values[hashAt + 2] = stamp.syncedAt.getTime();
  }
  for (const { row, rawJson, hash } of rows) {
    read(row, values);
    if (rawAt >= 0) values[rawAt] = rawJson === null ? null : new JsonText(rawJson);
    values[hashAt] = hash;
    out.add(values);
  }
  return out.finish();
}

export function encodeChildRows(child: ChildTableSpec, rows: readonly Row[], runId: string): Buffer {
  const types: CopyColumnType[] = [...child.columns.map((column) => column.type), 'uuid'];
  const out = new BinaryCopyRows(types, 4096 + rows.length * CHILD_ROW_BYTES);
  const values: unknown[] = new Array(types.length);
  const read = valuesReader(child.columns);
  values[child.columns.length] = runId;
  for (const row of rows) {
    read(row, values);
    out.add(values);
  }
  return out.finish();
}

/** Puts a row's values for `columns` into the first places of `values`, in order. */
type ValuesReader = (row: Row, values: unknown[]) => void;

const readers = new WeakMap<readonly ColumnSpec[], ValuesReader>();

/**
 * The reader for `columns`, compiled once per column list. Why generated code: a loop reading
 * `row[column.name]` looks up a different key each time, which V8 cannot specialize (a megamorphic
 * lookup per value); `values[0] = row["issue_key"]; ...` reads each column by its name (the same
 * reasoning as ../normalize/row-builder.ts). Names go into the code quoted with JSON.stringify.
 */
function valuesReader(columns: readonly ColumnSpec[]): ValuesReader {
  let reader = readers.get(columns);
  if (reader === undefined) {
    const body = columns.map((column, i) => `values[${i}] = row[${JSON.stringify(column.name)}];`).join('\n');
    reader = new Function('row', 'values', body) as ValuesReader;
    readers.set(columns, reader);
  }
  return reader;
}

/** The encoded rows, or undefined when a value must go through the portable path. */
export function encodedOrUndefined(encode: () => Buffer): Buffer | undefined {
  try {
    return encode();
  } catch (error) {
    if (error instanceof NotBinaryEncodableError) return undefined;
    throw error;
  }
}
