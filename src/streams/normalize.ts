/**
 * Small, pure conversions shared by every stream's normalizer. SEI sends loosely typed JSON: numbers
 * as strings, `0` for "not set", instants in seconds on some endpoints and milliseconds on others,
 * and it omits null fields. Each helper maps one such value to what its PostgreSQL column takes, or
 * to `null` when the value is missing or has the wrong type (the untouched record is kept in `raw`).
 */
import type { NormalizeResult, Row } from './types.js';

/**
 * Magnitude that separates epoch seconds from epoch milliseconds. 1e11 seconds is the year 5138 and
 * 1e11 ms is March 1973, so no real SEI instant is ambiguous: a "seconds" field above it holds
 * milliseconds, a "milliseconds" field below it holds seconds.
 */
export const EPOCH_UNIT_THRESHOLD = 1e11;

/** A finite number, from a number or a numeric string (`"12"`, `" 3.5 "`); anything else is null. */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === '') return null;
    const parsed = Number(trimmed);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** A whole number in PostgreSQL `integer` range (`"42"` accepted); fractions and overflow are null. */
export function toInt(value: unknown): number | null {
  const n = toNumber(value);
  return n !== null && Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX ? n : null;
}

/** A whole number for a `bigint` column, within JavaScript's safe integer range. */
export function toBigInt(value: unknown): number | null {
  const n = toNumber(value);
  return n !== null && Number.isSafeInteger(n) ? n : null;
}

function toDate(milliseconds: number): Date | null {
  const date = new Date(milliseconds);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * An instant from a field SEI documents in epoch **seconds** (Jira, SCM, work items). `0`, negative
 * values, `''`, `'0'`, null and undefined mean "not set" and give null. A value above
 * {@link EPOCH_UNIT_THRESHOLD} is taken as milliseconds (a field that changed unit must not land in
 * the year 50000).
 */
export function epochSeconds(value: unknown): Date | null {
  const n = toNumber(value);
  if (n === null || n <= 0) return null;
  return toDate(n > EPOCH_UNIT_THRESHOLD ? n : n * 1000);
}

/**
 * An instant from a field SEI documents in epoch **milliseconds** (org users, org units, collection
 * categories, probably CI/CD job runs). Same "not set" values as {@link epochSeconds}; a value below
 * {@link EPOCH_UNIT_THRESHOLD} is taken as seconds.
 */
export function epochMillis(value: unknown): Date | null {
  const n = toNumber(value);
  if (n === null || n <= 0) return null;
  return toDate(n < EPOCH_UNIT_THRESHOLD ? n * 1000 : n);
}

/** A string as is; a finite number as its decimal text (ids and numbers SEI sometimes sends unquoted). */
export function toText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** `true`/`false`, or the strings `"true"`/`"false"`. */
export function toBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

/**
 * A list of strings for a `text[]` column. A single scalar becomes a one-element list (fields SEI
 * documents as lists sometimes arrive as one value); a list holding anything but strings and numbers
 * is wrong-typed and gives null.
 */
export function toTextArray(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) {
    const single = toText(value);
    return single === null ? null : [single];
  }
  const out: string[] = [];
  for (const element of value) {
    const text = toText(element);
    if (text === null) return null;
    out.push(text);
  }
  return out;
}

/** A plain JSON object for a `jsonb` column (arrays and scalars are null). */
export function toJsonObject(value: unknown): Record<string, unknown> | null {
  return isPlainObject(value) ? value : null;
}

/** A JSON array for a `jsonb` column. */
export function toJsonArray(value: unknown): unknown[] | null {
  return Array.isArray(value) ? value : null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A key value as text: a non-blank string, or a safe integer (SEI sends some ids as numbers, e.g.
 * `parent_ref_id: 76` next to `id: "79"`). Anything else is not a usable key.
 */
export function toKeyText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** How a rejected value looked, for a one-line reason. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.trim() === '' ? 'a blank string' : 'a string';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'an integer' : `the number ${value}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export type KeyFields =
  | { readonly ok: true; readonly values: readonly string[] }
  | { readonly ok: false; readonly reason: string };

/** Reads the key fields of a record, or says which one is missing or wrong-typed. */
export function readKeyFields(record: Record<string, unknown>, fields: readonly string[]): KeyFields {
  const values: string[] = [];
  for (const field of fields) {
    const raw = record[field];
    const value = toKeyText(raw);
    if (value === undefined) {
      return { ok: false, reason: `key field ${field} is ${describeValue(raw)}` };
    }
    values.push(value);
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
