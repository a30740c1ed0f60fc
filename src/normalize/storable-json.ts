/**
 * What PostgreSQL `text` and `jsonb` cannot hold, and how a parsed record is made storable.
 *
 * - NUL (U+0000): `jsonb` refuses `\u0000` (22P05) and `text` refuses the byte.
 * - Lone UTF-16 surrogates (half of an emoji cut by a plugin): not Unicode, so `jsonb` refuses them
 *   (22P02). A string with either is stored with U+FFFD in their place.
 * - Deep nesting: V8's JSON.stringify overflows its stack past 4,000 to 5,000 levels, and PGlite
 *   (PostgreSQL in WebAssembly) silently drops a jsonb value nested 6,000 deep: no error, no row. A
 *   value nested deeper than `MAX_JSON_DEPTH` is replaced by null.
 *
 * Checking is the hot path (every record of every page), so it is a tight walk that allocates
 * nothing; repairing builds copies of just the objects and arrays on the way to what changed, and
 * notes each change.
 */
import type { FieldNotes } from './field-notes.js';

/** Deepest nesting of arrays and objects kept, counting the record itself as level 1. */
export const MAX_JSON_DEPTH = 1000;

export const REPLACEMENT_CHARACTER = '\ufffd';

/** `String.prototype.isWellFormed` (Node 20+), which the ES2023 lib typings do not declare. */
interface WellFormedString {
  isWellFormed(): boolean;
}

/** True when PostgreSQL can store `text` as is: no NUL and no lone surrogate. */
export function isStorableString(text: string): boolean {
  return (text as unknown as WellFormedString).isWellFormed() && !text.includes('\u0000');
}

/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` with every NUL and lone surrogate replaced by U+FFFD, and how many of each there were. */
export function repairString(text: string): { text: string; nul: number; loneSurrogates: number } {
  const pieces = text.split('\u0000');
  let loneSurrogates = 0;
  const repaired = pieces.join(REPLACEMENT_CHARACTER).replace(LONE_SURROGATE, () => {
    loneSurrogates += 1;
    return REPLACEMENT_CHARACTER;
  });
  return { text: repaired, nul: pieces.length - 1, loneSurrogates };
}

/** `text` made storable (unchanged when it already is). */
export function storableString(text: string): string {
  return isStorableString(text) ? text : repairString(text).text;
}

/**
 * A short, storable rendering of a value for a note or a reason: numbers as they are, strings quoted
 * and cut to `maxLength` characters.
 */
export function preview(value: unknown, maxLength = 40): string {
  if (typeof value === 'string') {
    const cut = value.length > maxLength ? `${value.slice(0, maxLength)}…` : value;
    return JSON.stringify(storableString(cut));
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (value === undefined) return 'missing';
  return Array.isArray(value) ? 'an array' : 'an object';
}

export interface StorableOptions {
  /**
   * The caller knows every string is storable (the JSON text the value was parsed from held no escape
   * that decodes to NUL or a surrogate), so only the depth is checked. @defaultValue false
   */
  stringsKnownStorable?: boolean;
}

/**
 * `value` made storable in `jsonb`: the same reference when it already is (the common case, found
 * without allocating), else a copy in which the objects and arrays leading to each change are new,
 * with one note per change (`replaced_characters`, `replaced_key_characters`, `removed_too_deep`).
 */
export function storableJson<T>(value: T, notes: FieldNotes, options: StorableOptions = {}): T {
  if (typeof value === 'string') {
    return (isStorableString(value) ? value : repairValue(value, 1, [], notes)) as T;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (isStorable(value, 1, options.stringsKnownStorable !== true)) return value;
  return repairValue(value, 1, [], notes) as T;
}

/** The allocation-free check: nesting within `MAX_JSON_DEPTH` and, unless told otherwise, strings and keys storable. */
function isStorable(value: object, depth: number, checkStrings: boolean): boolean {
  if (depth > MAX_JSON_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      if (typeof element === 'string') {
        if (checkStrings && !isStorableString(element)) return false;
      } else if (typeof element === 'object' && element !== null) {
        if (!isStorable(element, depth + 1, checkStrings)) return false;
      }
    }
    return true;
  }
  for (const key in value) {
    if (checkStrings && !isStorableString(key)) return false;
    const element: unknown = (value as Record<string, unknown>)[key];
    if (typeof element === 'string') {
      if (checkStrings && !isStorableString(element)) return false;
    } else if (typeof element === 'object' && element !== null) {
      if (!isStorable(element, depth + 1, checkStrings)) return false;
    }
  }
  return true;
}

/** Segments of a path shown in full; a deeper path keeps its first and last ones around a count. */
const MAX_PATH_SEGMENTS = 12;
/** Characters of a key shown in a path (keys can be as long as any string). */
const MAX_SEGMENT_LENGTH = 80;

function segmentText(segment: string | number, first: boolean): string {
  if (typeof segment === 'number') return `[${segment}]`;
  const key = segment.length > MAX_SEGMENT_LENGTH ? `${segment.slice(0, MAX_SEGMENT_LENGTH)}…` : segment;
  return first ? key : `.${key}`;
}

/**
 * `a.b[0].c` from the segments `['a', 'b', 0, 'c']`, short enough to read in a table:
 * `hostile_nesting[0].a[0].a[0].a …(990 levels)… .a[0].a` for a value 1000 levels down.
 */
export function pathText(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(record)';
  const text = (segments: readonly (string | number)[], offset: number) =>
    segments.map((segment, i) => segmentText(segment, i + offset === 0)).join('');
  if (path.length <= MAX_PATH_SEGMENTS) return text(path, 0);
  const head = path.slice(0, MAX_PATH_SEGMENTS - 4);
  const tail = path.slice(-2);
  const skipped = path.length - head.length - tail.length;
  return `${text(head, 0)} …(${skipped} levels)… ${text(tail, path.length - 2)}`;
}

function describeRepair(repair: { nul: number; loneSurrogates: number }): string {
  const parts: string[] = [];
  if (repair.nul > 0) parts.push(`${repair.nul} NUL`);
  if (repair.loneSurrogates > 0) parts.push(`${repair.loneSurrogates} lone surrogate`);
  return `${parts.join(' and ')} replaced by U+FFFD`;
}

/** A key not used by `taken`: the repaired key, with U+FFFD appended until it is free (nothing is overwritten). */
function freeKey(key: string, taken: ReadonlySet<string>): string {
  let candidate = key;
  while (taken.has(candidate)) candidate += REPLACEMENT_CHARACTER;
  return candidate;
}

/** The slow path: only called on values `isStorable` refused. Returns `value` itself when nothing below changed. */
function repairValue(value: unknown, depth: number, path: (string | number)[], notes: FieldNotes): unknown {
  if (typeof value === 'string') {
    if (isStorableString(value)) return value;
    const repair = repairString(value);
    notes.add(pathText(path), 'replaced_characters', describeRepair(repair));
    return repair.text;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_JSON_DEPTH) {
    notes.add(pathText(path), 'removed_too_deep', `nested deeper than ${MAX_JSON_DEPTH} levels`);
    return null;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const repaired = repairValue(value[i], depth + 1, path, notes);
      path.pop();
      if (repaired !== value[i]) {
        copy ??= value.slice();
        copy[i] = repaired;
      }
    }
    return copy ?? value;
  }
  const source = value as Record<string, unknown>;
  const entries: [string, unknown][] = [];
  const keys = new Set<string>();
  let changed = false;
  for (const key in source) if (isStorableString(key)) keys.add(key);
  for (const key in source) {
    let storedKey = key;
    if (!isStorableString(key)) {
      const repair = repairString(key);
      storedKey = freeKey(repair.text, keys);
      keys.add(storedKey);
      path.push(storedKey);
      notes.add(pathText(path), 'replaced_key_characters', describeRepair(repair));
      path.pop();
      changed = true;
    }
    path.push(storedKey);
    const repaired = repairValue(source[key], depth + 1, path, notes);
    path.pop();
    if (repaired !== source[key]) changed = true;
    entries.push([storedKey, repaired]);
  }
  // Object.fromEntries defines own properties, so a key such as "__proto__" stays a plain key.
  return changed ? Object.fromEntries(entries) : value;
}
