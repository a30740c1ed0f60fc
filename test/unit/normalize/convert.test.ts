import { describe, expect, it } from 'vitest';
import {
  type Converter,
  DECIMAL,
  epochMillis,
  epochSeconds,
  fromEither,
  MAX_TYPED_TEXT_BYTES,
  parseIsoInstant,
  readKeyFields,
  toBigInt,
  toBool,
  toInt,
  toJsonArray,
  toJsonObject,
  toKeyText,
  toNumber,
  toText,
  toTextArray,
  truncateUtf8,
} from '../../../src/normalize/convert.js';
import { type FieldNote, ListEntryNotes, NoteList } from '../../../src/normalize/field-notes.js';

/** The converted value and the notes it left, for field `f`. */
function convert<T>(
  converter: Converter<T>,
  value: unknown,
): { value: T | null; notes: readonly FieldNote[] } {
  const notes = new NoteList();
  return { value: converter(value, notes, 'f'), notes: notes.notes };
}

const converted = <T>(converter: Converter<T>, value: unknown) => convert(converter, value).value;
const actionsOf = <T>(converter: Converter<T>, value: unknown) =>
  convert(converter, value).notes.map((note) => note.action);

/**
 * The groups of `pattern` that repeat (`*`, `+`, `{n,}`, `{n,m}` with m > 1) and contain a quantifier:
 * the shapes that backtrack super-linearly. Escapes and character classes are skipped.
 */
function nestedRepetitions(pattern: RegExp): string[] {
  const source = pattern.source;
  const found: string[] = [];
  const open: { start: number; quantified: boolean }[] = [];
  const markQuantified = () => {
    const top = open.at(-1);
    if (top) top.quantified = true;
  };
  for (let k = 0; k < source.length; k++) {
    const char = source[k];
    if (char === '\\') k++;
    else if (char === '[') while (k < source.length && source[k] !== ']') k += source[k] === '\\' ? 2 : 1;
    else if (char === '(') open.push({ start: k, quantified: false });
    else if (char === ')') {
      const group = open.pop();
      const repeat = /^(?:[*+]|\{\d+,\d*\})/.exec(source.slice(k + 1))?.[0];
      const many = repeat !== undefined && !/^\{(\d+),\1\}$/.test(repeat) && repeat !== '{0,1}';
      if (group?.quantified && many) found.push(source.slice(group.start, k + 1 + repeat.length));
      if (group?.quantified || repeat !== undefined) markQuantified();
    } else if ('*+{'.includes(char ?? '') || (char === '?' && source[k - 1] !== '(')) markQuantified();
  }
  return found;
}

/** Values that mean "not set": NULL without a note. */
const MISSING = [null, undefined, ''];

describe('epochSeconds', () => {
  it('reads seconds, numbers or numeric strings', () => {
    expect(converted(epochSeconds, 1_620_926_169)).toBe(Date.parse('2021-05-13T17:16:09Z'));
    expect(converted(epochSeconds, '1620926169')).toBe(Date.parse('2021-05-13T17:16:09Z'));
  });
  it.each([...MISSING, 0, '0', ' '])('treats %j as not set, silently', (value) => {
    expect(convert(epochSeconds, value)).toEqual({ value: null, notes: [] });
  });
  it('takes a value too large for seconds as milliseconds', () => {
    expect(converted(epochSeconds, 1_620_926_169_123)).toBe(Date.parse('2021-05-13T17:16:09.123Z'));
  });
  it('parses ISO-8601 strings (no offset means UTC)', () => {
    expect(converted(epochSeconds, '2021-05-13T17:16:09Z')).toBe(Date.parse('2021-05-13T17:16:09Z'));
    expect(converted(epochSeconds, '2021-05-13T19:16:09+02:00')).toBe(Date.parse('2021-05-13T17:16:09Z'));
    expect(converted(epochSeconds, '2021-05-13 17:16:09.5')).toBe(Date.parse('2021-05-13T17:16:09.500Z'));
    expect(converted(epochSeconds, '2021-05-13')).toBe(Date.parse('2021-05-13T00:00:00Z'));
  });
  it.each([
    [-5, 'nulled_out_of_range'],
    [-1_620_926_169, 'nulled_out_of_range'],
    [1_000_000_000_000_000, 'nulled_out_of_range'],
    [1e20, 'nulled_out_of_range'],
    ['0075-01-01', 'nulled_out_of_range'],
    ['soon', 'nulled_unparseable'],
    ['NaN', 'nulled_unparseable'],
    ['Infinity', 'nulled_unparseable'],
    ['2021-02-30', 'nulled_unparseable'],
    [true, 'nulled_wrong_type'],
    [{}, 'nulled_wrong_type'],
    [[], 'nulled_wrong_type'],
    [Number.NaN, 'nulled_out_of_range'],
  ])('makes %j NULL with a note (%s)', (value, action) => {
    expect(convert(epochSeconds, value)).toMatchObject({ value: null, notes: [{ field: 'f', action }] });
  });
  it('says what the value was', () => {
    expect(convert(epochSeconds, 1_000_000_000_000_000).notes[0]?.detail).toBe(
      '1000000000000000 is not an instant between 1970 and 9999',
    );
  });
});

describe('epochMillis', () => {
  it('reads milliseconds, numbers or numeric strings', () => {
    expect(converted(epochMillis, 1_715_126_614_000)).toBe(Date.parse('2024-05-08T00:03:34Z'));
    expect(converted(epochMillis, '1715126614000')).toBe(Date.parse('2024-05-08T00:03:34Z'));
  });
  it.each([...MISSING, 0, '0'])('treats %j as not set, silently', (value) => {
    expect(convert(epochMillis, value)).toEqual({ value: null, notes: [] });
  });
  it('takes a value too small for milliseconds as seconds', () => {
    expect(converted(epochMillis, 1_715_126_614)).toBe(Date.parse('2024-05-08T00:03:34Z'));
  });
  it('keeps instants up to the end of 9999 and no further', () => {
    expect(converted(epochMillis, Date.UTC(9999, 11, 31))).toBe(Date.parse('9999-12-31T00:00:00Z'));
    expect(actionsOf(epochMillis, Date.UTC(10000, 0, 1))).toEqual(['nulled_out_of_range']);
    expect(actionsOf(epochMillis, -1)).toEqual(['nulled_out_of_range']);
  });
});

describe('parseIsoInstant', () => {
  it('reads dates, date-times, fractions and offsets', () => {
    expect(parseIsoInstant('2024-02-29T23:59:59.999Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(parseIsoInstant('2024-01-01T00:00:00-0130')).toBe(Date.UTC(2024, 0, 1, 1, 30));
    expect(parseIsoInstant('0050-06-01')).toBe(new Date('0050-06-01T00:00:00Z').getTime());
  });
  it.each(['2023-02-29', '2024-13-01', '2024-01-01T24:00', '20240101', '+033658-09-27T01:46:40Z', 'x'])(
    'refuses %j',
    (text) => expect(parseIsoInstant(text)).toBeUndefined(),
  );
});

describe('numbers', () => {
  it('toNumber accepts numbers and decimal strings only', () => {
    expect(converted(toNumber, 3.5)).toBe(3.5);
    expect(converted(toNumber, ' 3.5 ')).toBe(3.5);
    expect(converted(toNumber, '1e3')).toBe(1000);
    expect(converted(toNumber, 5e-324)).toBe(5e-324);
    for (const value of MISSING) expect(convert(toNumber, value)).toEqual({ value: null, notes: [] });
    expect(actionsOf(toNumber, 'x')).toEqual(['nulled_unparseable']);
    expect(actionsOf(toNumber, '0x10')).toEqual(['nulled_unparseable']);
    expect(actionsOf(toNumber, 'NaN')).toEqual(['nulled_unparseable']);
    expect(actionsOf(toNumber, '-Infinity')).toEqual(['nulled_unparseable']);
    expect(actionsOf(toNumber, '1e999')).toEqual(['nulled_out_of_range']);
    expect(actionsOf(toNumber, true)).toEqual(['nulled_wrong_type']);
    expect(actionsOf(toNumber, [])).toEqual(['nulled_wrong_type']);
    expect(actionsOf(toNumber, {})).toEqual(['nulled_wrong_type']);
  });
  it('toNumber reads a 2 MB string of digits', () => {
    expect(actionsOf(toNumber, `${'9'.repeat(2_000_000)}x`)).toEqual(['nulled_unparseable']);
    expect(actionsOf(toNumber, '9'.repeat(2_000_000))).toEqual(['nulled_out_of_range']);
  });
  it('matches decimals without backtracking: no repetition inside a repetition', () => {
    // Linear time on any input (2 MB of digits, then a letter) follows from the pattern's shape: a
    // quantified group that itself repeats is what makes a backtracking engine super-linear.
    expect(nestedRepetitions(DECIMAL)).toEqual([]);
    expect(nestedRepetitions(/^(?:\d+)+$/)).toEqual(['(?:\\d+)+']);
    expect(nestedRepetitions(/^(?:a|\d*){2,}$/)).toEqual(['(?:a|\\d*){2,}']);
  });
  it('toInt keeps whole numbers in integer range', () => {
    expect(converted(toInt, '120')).toBe(120);
    expect(converted(toInt, 7)).toBe(7);
    expect(converted(toInt, 3.0)).toBe(3);
    expect(converted(toInt, '-2147483648')).toBe(-2147483648);
    expect(actionsOf(toInt, 3.5)).toEqual(['nulled_wrong_type']);
    expect(actionsOf(toInt, 2 ** 31)).toEqual(['nulled_out_of_range']);
    expect(actionsOf(toInt, '2147483648')).toEqual(['nulled_out_of_range']);
  });
  it('toBigInt keeps safe integers', () => {
    expect(converted(toBigInt, 2 ** 40)).toBe(2 ** 40);
    expect(converted(toBigInt, '9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(actionsOf(toBigInt, 2 ** 60)).toEqual(['nulled_out_of_range']);
    expect(actionsOf(toBigInt, '9223372036854775808')).toEqual(['nulled_out_of_range']);
  });
});

describe('text, booleans, lists, json', () => {
  it('toText keeps strings as sent and writes numbers as text', () => {
    expect(converted(toText, '')).toBe('');
    expect(converted(toText, 'a')).toBe('a');
    expect(converted(toText, 76)).toBe('76');
    for (const value of [null, undefined]) expect(convert(toText, value)).toEqual({ value: null, notes: [] });
    for (const value of [true, {}, [], Number.NaN])
      expect(actionsOf(toText, value)).toEqual(['nulled_wrong_type']);
  });
  it('toText cuts text too long for an index, at a character boundary, with a note', () => {
    const long = '😀'.repeat(1000);
    const { value, notes } = convert(toText, long);
    expect(Buffer.byteLength(value as string)).toBeLessThanOrEqual(MAX_TYPED_TEXT_BYTES);
    expect(value).toBe('😀'.repeat(MAX_TYPED_TEXT_BYTES / 4));
    expect(notes.map((note) => note.action)).toEqual(['truncated']);
    expect(converted(toText, 'é'.repeat(400))).toBe('é'.repeat(400));
  });
  it('truncateUtf8 never splits a character', () => {
    expect(truncateUtf8('aé😀', 1)).toBe('a');
    expect(truncateUtf8('aé😀', 3)).toBe('aé');
    expect(truncateUtf8('aé😀', 6)).toBe('aé');
    expect(truncateUtf8('aé😀', 7)).toBe('aé😀');
  });
  it('toBool takes booleans and their spelled-out strings', () => {
    expect(converted(toBool, true)).toBe(true);
    expect(converted(toBool, 'false')).toBe(false);
    expect(converted(toBool, ' TRUE ')).toBe(true);
    expect(actionsOf(toBool, 1)).toEqual(['nulled_wrong_type']);
    expect(actionsOf(toBool, 'yes')).toEqual(['nulled_unparseable']);
    expect(convert(toBool, '')).toEqual({ value: null, notes: [] });
  });
  it('toTextArray takes lists of scalars and wraps a single scalar', () => {
    expect(converted(toTextArray, ['a', 2])).toEqual(['a', '2']);
    expect(converted(toTextArray, [])).toEqual([]);
    expect(converted(toTextArray, 'acme/web')).toEqual(['acme/web']);
    expect(convert(toTextArray, undefined)).toEqual({ value: null, notes: [] });
    expect(convert(toTextArray, [{ id: 1 }])).toEqual({
      value: null,
      notes: [{ field: 'f', action: 'nulled_wrong_type', detail: 'element 0 is an object, not text' }],
    });
    expect(actionsOf(toTextArray, ['a', null])).toEqual(['nulled_wrong_type']);
    expect(actionsOf(toTextArray, {})).toEqual(['nulled_wrong_type']);
  });
  it('toTextArray cuts a long element and names it', () => {
    const { value, notes } = convert(toTextArray, ['a', 'x'.repeat(5000)]);
    expect(value).toEqual(['a', 'x'.repeat(MAX_TYPED_TEXT_BYTES)]);
    expect(notes).toMatchObject([{ field: 'f[1]', action: 'truncated' }]);
  });
  it('toJsonObject / toJsonArray keep only their shape', () => {
    expect(converted(toJsonObject, { a: 1 })).toEqual({ a: 1 });
    expect(actionsOf(toJsonObject, [1])).toEqual(['nulled_wrong_type']);
    expect(actionsOf(toJsonObject, 'x')).toEqual(['nulled_wrong_type']);
    expect(converted(toJsonArray, [1])).toEqual([1]);
    expect(actionsOf(toJsonArray, {})).toEqual(['nulled_wrong_type']);
    expect(convert(toJsonArray, null)).toEqual({ value: null, notes: [] });
  });
});

describe('notes', () => {
  it('fromEither reads the first spelling present and names it in notes', () => {
    const notes = new NoteList();
    expect(fromEither(toInt, { b: 'x' }, notes, ['a', 'b'])).toBeNull();
    expect(fromEither(toInt, { a: 2, b: 3 }, notes, ['a', 'b'])).toBe(2);
    expect(notes.notes).toMatchObject([{ field: 'b', action: 'nulled_unparseable' }]);
  });
  it('ListEntryNotes names the entry of a list', () => {
    const notes = new NoteList();
    const entry = new ListEntryNotes(notes, 'status_list');
    entry.index = 2;
    epochSeconds(-1, entry, 'start_time');
    expect(notes.notes).toMatchObject([
      { field: 'status_list[2].start_time', action: 'nulled_out_of_range' },
    ]);
  });
});

describe('keys', () => {
  it('toKeyText takes non-blank strings and safe integers', () => {
    expect(toKeyText('79')).toBe('79');
    expect(toKeyText(79)).toBe('79');
    for (const value of ['', '  ', 1.5, null, undefined, true, {}, ['1'], 2 ** 60, 'k'.repeat(2_000_000)]) {
      expect(toKeyText(value)).toBeUndefined();
    }
  });
  it('readKeyFields says which field is wrong and how', () => {
    expect(readKeyFields({ a: '1', b: 2 }, ['a', 'b'])).toEqual({ ok: true, values: ['1', '2'] });
    expect(readKeyFields({ a: '1' }, ['a', 'b'])).toEqual({ ok: false, reason: 'key field b is missing' });
    expect(readKeyFields({ a: {} }, ['a'])).toEqual({ ok: false, reason: 'key field a is an object' });
    expect(readKeyFields({ a: ' ' }, ['a'])).toEqual({ ok: false, reason: 'key field a is a blank string' });
    expect(readKeyFields({ a: null }, ['a'])).toEqual({ ok: false, reason: 'key field a is null' });
    expect(readKeyFields({ a: false }, ['a'])).toEqual({ ok: false, reason: 'key field a is a boolean' });
    expect(readKeyFields({ a: 1.5 }, ['a'])).toEqual({ ok: false, reason: 'key field a is the number 1.5' });
    expect(readKeyFields({ a: 'k'.repeat(2_000_000) }, ['a'])).toEqual({
      ok: false,
      reason: `key field a is a string of 2000000 characters (a key holds at most ${MAX_TYPED_TEXT_BYTES} bytes)`,
    });
  });
});
