/**
 * Small, pure conversions shared by every stream's normalizer. SEI sends loosely typed JSON: numbers
 * as strings, `0` for "not set", instants in seconds on some endpoints and milliseconds on others,
 * and it omits null fields. Each converter maps one such value to what its PostgreSQL column can
 * store, or to `null`.
 *
 * Every converter has the shape `(value, notes, field)` and never throws. Missing values (`null`,
 * `undefined`, `''`, and `0` for instants) are NULL silently; anything else that cannot be stored as
 * sent (an instant in the year 33658, `"NaN"` where a number belongs, an object where text belongs)
 * becomes NULL, or is cut, WITH a note (./field-notes.ts), so that it is visible in
 * `sei_sync.sanitized_values`. The untouched value stays in `raw`.
 */

import type { NormalizeResult, Row } from '../streams/types.js';
import type { FieldNotes } from './field-notes.js';
import { preview } from './storable-json.js';

export { type FieldNotes, ListEntryNotes } from './field-notes.js';
export { preview } from './storable-json.js';

/**
 * Magnitude that separates epoch seconds from epoch milliseconds. 1e11 seconds is the year 5138 and
 * 1e11 ms is March 1973, so no real SEI instant is ambiguous: a "seconds" field above it holds
 * milliseconds, a "milliseconds" field below it holds seconds.
 */
export const EPOCH_UNIT_THRESHOLD = 1e11;

/**
 * Instants kept in `timestamptz` columns: after 1970-01-01 and before the year 10000. PostgreSQL goes
 * further (4713 BC to 294276 AD), but JavaScript writes years past 9999 as `+033658-...`, which
 * PostgreSQL misreads (22009), and nothing SEI measures happened before 1970.
 */
export const INSTANT_WINDOW_MS = { after: 0, before: Date.UTC(10000, 0, 1) } as const;

/**
 * An instant in a normalized row: whole milliseconds since 1970, inside {@link INSTANT_WINDOW_MS}.
 * A number, not a Date: a Date costs some 100 bytes of heap against a number's 12, and a page of
 * 1,000 Jira issues holds 16,000 instants, which kept ~1.6 MiB more alive in each page waiting for its
 * write (issue 24). The writers turn it into `timestamptz` (../load/copy-binary.ts, ../load/page-rows.ts).
 */
export type EpochMs = number;

/**
 * Longest text, in UTF-8 bytes, stored in a typed column (a longer one is cut, with a note; `raw`
 * keeps it whole) and longest key accepted. Typed text columns are indexed, some two to an index, and
 * a btree entry holds at most 2704 bytes (54000 "index row size exceeds maximum" otherwise).
 */
export const MAX_TYPED_TEXT_BYTES = 1200;

/**
 * The shape of every converter: the value as SEI sent it, where to note what had to change, and the
 * field's path in the record (used only in notes). Pure, never throws.
 */
export type Converter<T> = (value: unknown, notes: FieldNotes, field: string) => T | null;

/**
 * Converts the first of two fields the record has (not null or missing), for fields SEI spells two
 * ways, so that a note names the field actually read.
 */
export function fromEither<T>(
  convert: Converter<T>,
  record: Readonly<Record<string, unknown>>,
  notes: FieldNotes,
  fields: readonly [string, string],
): T | null {
  const [first, second] = fields;
  const field = record[first] !== undefined && record[first] !== null ? first : second;
  return convert(record[field], notes, field);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * A decimal number as JSON or a person writes it (`12`, `-3.5`, `.5`, `1e3`), with no ambiguous
 * repetition, so that a 2 MB string of digits is matched in linear time. `Number()` alone would also
 * take `0x10`, `0b1`, `Infinity` and `''`.
 */
export const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** ISO-8601 date or date-time, with an optional `Z` or `±hh[:mm]` offset (none means UTC). */
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?$/;

function isMissing(value: unknown): value is null | undefined | '' {
  return value === null || value === undefined || value === '';
}

/**
 * A number from a number or a decimal string, or undefined with a note. Missing values and blank
 * strings are undefined without one.
 */
function readNumber(value: unknown, notes: FieldNotes, field: string): number | undefined {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    notes.add(field, 'nulled_out_of_range', `${value} is not a finite number`);
    return undefined;
  }
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === '') return undefined;
    if (!DECIMAL.test(trimmed)) {
      notes.add(field, 'nulled_unparseable', `${preview(value)} is not a number`);
      return undefined;
    }
    const parsed = Number(trimmed);
    if (Number.isFinite(parsed)) return parsed;
    notes.add(field, 'nulled_out_of_range', `${preview(value)} is beyond double precision`);
    return undefined;
  }
  if (!isMissing(value)) notes.add(field, 'nulled_wrong_type', `${preview(value)} is not a number`);
  return undefined;
}

// Each converter below starts with a fast path for the value SEI usually sends and hands anything
// else to a function of its own: small converters stay inlined where the normalizers call them.

/** A finite number for a `double precision` column, from a number or a decimal string (`" 3.5 "`). */
export function toNumber(value: unknown, notes: FieldNotes, field: string): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return readNumber(value, notes, field) ?? null;
}

/** A whole number in PostgreSQL `integer` range (`"42"` and `3.0` accepted). */
export function toInt(value: unknown, notes: FieldNotes, field: string): number | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX)
    return value;
  return wholeNumber(value, notes, field, INT32_MIN, INT32_MAX, 'integer');
}

/**
 * A whole number for a `bigint` column, within JavaScript's safe integer range: beyond 2^53 a JSON
 * number has already lost digits, and the warehouse reads int8 back as a JavaScript number.
 */
export function toBigInt(value: unknown, notes: FieldNotes, field: string): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  return wholeNumber(value, notes, field, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'bigint');
}

function wholeNumber(
  value: unknown,
  notes: FieldNotes,
  field: string,
  min: number,
  max: number,
  column: string,
): number | null {
  const n = readNumber(value, notes, field);
  if (n === undefined) return null;
  if (!Number.isInteger(n)) {
    notes.add(field, 'nulled_wrong_type', `${preview(value)} is not a whole number`);
    return null;
  }
  if (n < min || n > max) {
    notes.add(field, 'nulled_out_of_range', `${preview(value)} does not fit ${column}`);
    return null;
  }
  return n;
}

/** Milliseconds of an ISO-8601 string, or undefined when it is not one (or names no real date). */
export function parseIsoInstant(text: string): number | undefined {
  const match = ISO_INSTANT.exec(text.trim());
  if (match === null) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', , sign, offH, offM] =
    match;
  const ms = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
    Number(fraction.slice(0, 3).padEnd(3, '0')),
  );
  // Date.UTC rolls 2021-02-31 over into March: a date that is not on the calendar is no date.
  const date = new Date(ms);
  if (
    Number.isNaN(ms) ||
    date.getUTCMonth() !== Number(month) - 1 ||
    date.getUTCDate() !== Number(day) ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  )
    return undefined;
  // Years 0-99 are years 0-99, not 1900-1999 (Date.UTC's legacy mapping).
  const exact = Number(year) < 100 ? new Date(ms).setUTCFullYear(Number(year)) : ms;
  if (sign === undefined) return exact;
  const offsetMs = (Number(offH) * 60 + Number(offM ?? '0')) * 60_000;
  return sign === '+' ? exact - offsetMs : exact + offsetMs;
}

function instant(
  value: unknown,
  notes: FieldNotes,
  field: string,
  toMilliseconds: (n: number) => number,
): number | null {
  if (typeof value === 'string') {
    const iso = parseIsoInstant(value);
    if (iso !== undefined) return instantInWindow(iso, value, notes, field);
  }
  const n = readNumber(value, notes, field);
  // 0 is how SEI says "not set".
  if (n === undefined || n === 0) return null;
  return instantInWindow(toMilliseconds(n), value, notes, field);
}

function instantInWindow(ms: number, value: unknown, notes: FieldNotes, field: string): number | null {
  // Whole milliseconds, as a Date would hold them (5e-324 s is 1970-01-01T00:00:00.000Z).
  const whole = Math.trunc(ms);
  if (whole > INSTANT_WINDOW_MS.after && whole < INSTANT_WINDOW_MS.before) return whole;
  notes.add(field, 'nulled_out_of_range', `${preview(value)} is not an instant between 1970 and 9999`);
  return null;
}

/**
 * An instant from a field SEI documents in epoch **seconds** (Jira, SCM, work items), also read from
 * an ISO-8601 string. `0`, `''`, `'0'`, null and undefined mean "not set" and give null. A value
 * above {@link EPOCH_UNIT_THRESHOLD} is taken as milliseconds (a field that changed unit must not land
 * in the year 50000); anything outside {@link INSTANT_WINDOW_MS} (negative, nanoseconds) is NULL with a note.
 */
export function epochSeconds(value: unknown, notes: FieldNotes, field: string): EpochMs | null {
  if (typeof value === 'number' && value >= 1 && value < EPOCH_UNIT_THRESHOLD)
    return Math.trunc(value * 1000);
  return instant(value, notes, field, secondsToMilliseconds);
}

// Declared once: an arrow written inline in the converters would be a new closure on every call.
const secondsToMilliseconds = (n: number) => (n > EPOCH_UNIT_THRESHOLD ? n : n * 1000);
const millisecondsFromEither = (n: number) => (Math.abs(n) < EPOCH_UNIT_THRESHOLD ? n * 1000 : n);

/**
 * An instant from a field SEI documents in epoch **milliseconds** (org users, org units, collection
 * categories, probably CI/CD job runs). Same rules as {@link epochSeconds}; a value below
 * {@link EPOCH_UNIT_THRESHOLD} is taken as seconds.
 */
export function epochMillis(value: unknown, notes: FieldNotes, field: string): EpochMs | null {
  if (typeof value === 'number' && value >= EPOCH_UNIT_THRESHOLD && value < INSTANT_WINDOW_MS.before)
    return Math.trunc(value);
  return instant(value, notes, field, millisecondsFromEither);
}

/** UTF-8 length of `text`, computed only when it could exceed `maxBytes` (a UTF-16 unit is at most 3 bytes). */
function exceedsBytes(text: string, maxBytes: number): boolean {
  return text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes;
}

/** The longest prefix of `text` within `maxBytes` of UTF-8 that does not split a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    const code = character.codePointAt(0)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += character.length;
  }
  return text.slice(0, end);
}

function truncatedText(text: string, notes: FieldNotes, field: string): string {
  notes.add(
    field,
    'truncated',
    `${text.length} characters cut to ${MAX_TYPED_TEXT_BYTES} bytes (raw keeps them all)`,
  );
  return truncateUtf8(text, MAX_TYPED_TEXT_BYTES);
}

/**
 * A string as is (cut to {@link MAX_TYPED_TEXT_BYTES} with a note when longer); a finite number as its
 * decimal text (ids and numbers SEI sometimes sends unquoted).
 */
export function toText(value: unknown, notes: FieldNotes, field: string): string | null {
  if (typeof value === 'string' && !exceedsBytes(value, MAX_TYPED_TEXT_BYTES)) return value;
  return otherText(value, notes, field);
}

function otherText(value: unknown, notes: FieldNotes, field: string): string | null {
  if (typeof value === 'string') return truncatedText(value, notes, field);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value !== null && value !== undefined)
    notes.add(field, 'nulled_wrong_type', `${preview(value)} is not text`);
  return null;
}

/** `true`/`false`, or the strings `"true"`/`"false"` in any case. */
export function toBool(value: unknown, notes: FieldNotes, field: string): boolean | null {
  if (typeof value === 'boolean') return value;
  return otherBool(value, notes, field);
}

function otherBool(value: unknown, notes: FieldNotes, field: string): boolean | null {
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === '') return null;
    notes.add(field, 'nulled_unparseable', `${preview(value)} is not true or false`);
    return null;
  }
  if (value !== null && value !== undefined)
    notes.add(field, 'nulled_wrong_type', `${preview(value)} is not a boolean`);
  return null;
}

/**
 * A list of strings for a `text[]` column. A single scalar becomes a one-element list (fields SEI
 * documents as lists sometimes arrive as one value); a list holding anything but strings and numbers
 * is wrong-typed and gives null. Long elements are cut like {@link toText}.
 */
export function toTextArray(value: unknown, notes: FieldNotes, field: string): string[] | null {
  if (value === undefined || value === null) return null;
  return Array.isArray(value) ? textList(value, notes, field) : oneText(value, notes, field);
}

function oneText(value: unknown, notes: FieldNotes, field: string): string[] | null {
  if (typeof value === 'string' || typeof value === 'number') {
    const single = toText(value, notes, field);
    return single === null ? null : [single];
  }
  notes.add(field, 'nulled_wrong_type', `${preview(value)} is not a list of text`);
  return null;
}

function textList(value: readonly unknown[], notes: FieldNotes, field: string): string[] | null {
  // The list as SEI sent it when it is already what the column takes (nearly always): no copy. Rows,
  // like the record in `raw` they share it with, are never changed once built.
  if (isTextListAsIs(value)) return value;
  const out: string[] = [];
  for (let i = 0; i < value.length; i++) {
    const element: unknown = value[i];
    if (typeof element === 'string') {
      // The element's path is only spelled out when there is something to say about it.
      out.push(
        exceedsBytes(element, MAX_TYPED_TEXT_BYTES)
          ? truncatedText(element, notes, `${field}[${i}]`)
          : element,
      );
    } else if (typeof element === 'number' && Number.isFinite(element)) {
      out.push(String(element));
    } else {
      notes.add(field, 'nulled_wrong_type', `element ${i} is ${preview(element)}, not text`);
      return null;
    }
  }
  return out;
}

function isTextListAsIs(value: readonly unknown[]): value is string[] {
  for (let i = 0; i < value.length; i++) {
    const element: unknown = value[i];
    if (typeof element !== 'string' || exceedsBytes(element, MAX_TYPED_TEXT_BYTES)) return false;
  }
  return true;
}

/** A plain JSON object for a `jsonb` column (arrays and scalars are NULL with a note). */
export function toJsonObject(
  value: unknown,
  notes: FieldNotes,
  field: string,
): Record<string, unknown> | null {
  if (isPlainObject(value)) return value;
  if (value !== null && value !== undefined)
    notes.add(field, 'nulled_wrong_type', `${preview(value)} is not an object`);
  return null;
}

/** A JSON array for a `jsonb` column (objects and scalars are NULL with a note). */
export function toJsonArray(value: unknown, notes: FieldNotes, field: string): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (value !== null && value !== undefined)
    notes.add(field, 'nulled_wrong_type', `${preview(value)} is not a list`);
  return null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A key value as text: a non-blank string no longer than {@link MAX_TYPED_TEXT_BYTES}, or a safe
 * integer (SEI sends some ids as numbers, e.g. `parent_ref_id: 76` next to `id: "79"`). Anything else
 * is not a usable key.
 */
export function toKeyText(value: unknown): string | undefined {
  if (typeof value === 'string')
    return value.trim() === '' || exceedsBytes(value, MAX_TYPED_TEXT_BYTES) ? undefined : value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** How a rejected value looked, for a one-line reason. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    if (value.trim() === '') return 'a blank string';
    return exceedsBytes(value, MAX_TYPED_TEXT_BYTES)
      ? `a string of ${value.length} characters (a key holds at most ${MAX_TYPED_TEXT_BYTES} bytes)`
      : 'a string';
  }
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'an integer' : `the number ${value}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export type KeyFields =
  | { readonly ok: true; readonly values: readonly string[] }
  | { readonly ok: false; readonly reason: string };

/** Reads the key fields of a record, or says which one is missing or wrong-typed. */
export function readKeyFields(record: Record<string, unknown>, fields: readonly string[]): KeyFields {
  // Sized at once: read twice per record, an array grown by push held room for 17 values.
  const values: string[] = new Array(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const raw = record[field];
    const value = toKeyText(raw);
    if (value === undefined) {
      return { ok: false, reason: `key field ${field} is ${describeValue(raw)}` };
    }
    values[i] = value;
  }
  return { ok: true, values };
}

/** Joins key parts into the one string `recordKey` returns, e.g. `378:LFE-893`. */
export function joinKey(values: readonly string[]): string {
  return values.join(':');
}

/** The `recordKey` of a stream keyed by plain record fields: their values joined, or undefined. */
export function recordKeyOf(
  fields: readonly string[],
): (record: Record<string, unknown>) => string | undefined {
  return (record) => {
    const key = readKeyFields(record, fields);
    return key.ok ? joinKey(key.values) : undefined;
  };
}

export function reject(reason: string): NormalizeResult {
  return { ok: false, reason };
}

export function accept(row: Row, children: Readonly<Record<string, readonly Row[]>> = {}): NormalizeResult {
  return { ok: true, row, children };
}
