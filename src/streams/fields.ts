/**
 * A stream's columns, declared once: each `Field` names its column, the column's PostgreSQL type and
 * how the value is read from the record (which record field, which converter). The table spec and
 * the normalizer are both derived from the same list (./define-stream.ts), so a column cannot be
 * added to one and forgotten in the other.
 *
 *   text('summary')                                   // column = record field, default converter
 *   seconds('issue_created_at')                        // epoch seconds → timestamptz
 *   texts('repo_ids', { from: 'repo_id' })             // another record field
 *   float('story_points', { from: ['story_point', 'story_points'] })   // two spellings, first present wins
 *   field('keys', 'text[]', toMyKeys, { from: 'ids' }) // a converter of its own
 *   derived('member_user_ids', 'text[]', memberUserIds)   // computed from the whole record
 *
 * Every converter has the `(value, notes, field)` shape of ./normalize.ts: what it changes is noted
 * under the record field it read.
 */
import type { SeiRecord } from '../extract/sei/types.js';
import {
  type Converter,
  epochMillis,
  epochSeconds,
  type FieldNotes,
  toBigInt,
  toBool,
  toInt,
  toJsonArray,
  toJsonObject,
  toNumber,
  toText,
  toTextArray,
} from '../normalize/convert.js';
import type { ColumnType } from './types.js';

/** Where a column's value comes from. */
export type FieldSource =
  /** One record field through a converter. */
  | { readonly kind: 'field'; readonly from: string; readonly convert: Converter<unknown> }
  /** The first of two spellings the record has (not null, not missing), through a converter. */
  | {
      readonly kind: 'either';
      readonly from: readonly [string, string];
      readonly convert: Converter<unknown>;
    }
  /** The whole record (several fields, nested lists). */
  | { readonly kind: 'record'; readonly read: (record: SeiRecord, notes: FieldNotes) => unknown };

/** One typed column of a stream's table and how the normalizer fills it. */
export interface Field {
  readonly column: string;
  readonly type: ColumnType;
  readonly source: FieldSource;
}

export interface FieldOptions {
  /**
   * The record field the column comes from (default: the column's name), or two spellings of it:
   * the first one the record has (not null, not missing) is read.
   */
  readonly from?: string | readonly [string, string];
}

/** Columns become SQL identifiers and property names of generated code: plain names only. */
const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;

function checkedColumn(column: string): string {
  if (!PLAIN_NAME.test(column)) throw new Error(`column name ${JSON.stringify(column)} is not a plain name`);
  return column;
}

/** A column filled by `convert` from one record field (or the first present of two). */
export function field<T>(
  column: string,
  type: ColumnType,
  convert: Converter<T>,
  options: FieldOptions = {},
): Field {
  const from = options.from ?? column;
  const source: FieldSource =
    typeof from === 'string' ? { kind: 'field', from, convert } : { kind: 'either', from, convert };
  return { column: checkedColumn(column), type, source };
}

/** A column computed from the whole record (several fields, nested lists). */
export function derived(
  column: string,
  type: ColumnType,
  read: (record: SeiRecord, notes: FieldNotes) => unknown,
): Field {
  return { column: checkedColumn(column), type, source: { kind: 'record', read } };
}

/** The field helper for one column type and its default converter. */
const ofType =
  <T>(type: ColumnType, convert: Converter<T>) =>
  (column: string, options?: FieldOptions): Field =>
    field(column, type, convert, options);

/** Text; numbers SEI sends unquoted become their decimal text. */
export const text = ofType('text', toText);
/** A whole number in `integer` range (`"42"` accepted). */
export const integer = ofType('integer', toInt);
/** A whole number in JavaScript's safe range, for `bigint`. */
export const bigint = ofType('bigint', toBigInt);
/** A finite number, for `double precision`. */
export const float = ofType('double precision', toNumber);
export const bool = ofType('boolean', toBool);
/** An instant SEI sends in epoch **seconds** (`0` = not set). */
export const seconds = ofType('timestamptz', epochSeconds);
/** An instant SEI sends in epoch **milliseconds** (Java `Instant` fields). */
export const millis = ofType('timestamptz', epochMillis);
/** Text columns, each from the record field of its name (the run of plain text fields most records open with). */
export const textColumns = (...columns: readonly string[]): Field[] => columns.map((column) => text(column));
/** A list of text (a single value becomes a one-element list). */
export const texts = ofType('text[]', toTextArray);
/** A JSON object, as `jsonb`. */
export const object = ofType('jsonb', toJsonObject);
/** A JSON array, as `jsonb`. */
export const list = ofType('jsonb', toJsonArray);
