import { describe, expect, it } from 'vitest';
import { NoteList } from '../../../src/normalize/field-notes.js';
import {
  isStorableString,
  MAX_JSON_DEPTH,
  pathText,
  preview,
  repairString,
  storableJson,
} from '../../../src/normalize/storable-json.js';

function repaired<T>(value: T) {
  const notes = new NoteList();
  return { value: storableJson(value, notes), notes: notes.notes };
}

describe('storable strings', () => {
  it.each([
    ['plain', true],
    ['emoji 😀 and é', true],
    ['nul \u0000', false],
    ['high \ud83d alone', false],
    ['low \ude00 alone', false],
    ['reversed pair \ude00\ud83d', false],
  ])('%j storable: %s', (text, storable) => expect(isStorableString(text)).toBe(storable));

  it('replaces NUL and lone surrogates, one character each, and keeps pairs', () => {
    expect(repairString('a\u0000b\ud83dc\ude00d😀')).toEqual({
      text: 'a\ufffdb\ufffdc\ufffdd😀',
      nul: 1,
      loneSurrogates: 2,
    });
  });

  it('previews values briefly and storably', () => {
    expect(preview(1e15)).toBe('1000000000000000');
    expect(preview('a\u0000b')).toBe('"a\ufffdb"');
    expect(preview('x'.repeat(100))).toBe(`"${'x'.repeat(40)}…"`);
    expect(preview({ a: 1 })).toBe('an object');
    expect(preview(undefined)).toBe('missing');
  });
});

describe('storableJson', () => {
  it('returns a storable value itself, with no note', () => {
    const record = { a: ['x', { b: 'y' }], c: 1 };
    expect(repaired(record)).toEqual({ value: record, notes: [] });
    expect(repaired(record).value).toBe(record);
  });

  it('copies only the objects on the way to a change, and names the path', () => {
    const untouched = { deep: ['ok'] };
    const record = { untouched, list: [{ text: 'a\u0000' }] };
    const { value, notes } = repaired(record);
    expect(value).toEqual({ untouched, list: [{ text: 'a\ufffd' }] });
    expect(value.untouched).toBe(untouched);
    expect(record.list[0]?.text).toBe('a\u0000');
    expect(notes).toEqual([
      { field: 'list[0].text', action: 'replaced_characters', detail: '1 NUL replaced by U+FFFD' },
    ]);
  });

  it('gives a repaired key a name no other key has, and keeps "__proto__" a plain key', () => {
    const record = JSON.parse('{"k\\u0000":1,"k\\ufffd":2,"__proto__":{"x":"\\u0000"}}') as Record<
      string,
      unknown
    >;
    const { value, notes } = repaired(record);
    expect(Object.keys(value)).toEqual(['k\ufffd\ufffd', 'k\ufffd', '__proto__']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ x: '\ufffd' });
    expect(notes.map((note) => [note.field, note.action])).toEqual([
      ['k\ufffd\ufffd', 'replaced_key_characters'],
      ['__proto__.x', 'replaced_characters'],
    ]);
  });

  it(`replaces what nests deeper than ${MAX_JSON_DEPTH} levels by null`, () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < MAX_JSON_DEPTH + 5; i++) deep = [deep];
    const { value, notes } = repaired({ field: deep });
    let depth = 1;
    let current: unknown = value.field;
    while (Array.isArray(current)) {
      depth += 1;
      current = current[0];
    }
    expect(depth).toBe(MAX_JSON_DEPTH);
    expect(current).toBeNull();
    expect(notes).toMatchObject([
      { action: 'removed_too_deep', detail: `nested deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
  });

  it('repairs a string that is the whole value', () => {
    expect(repaired('\u0000')).toEqual({
      value: '\ufffd',
      notes: [{ field: '(record)', action: 'replaced_characters', detail: '1 NUL replaced by U+FFFD' }],
    });
  });
});

describe('pathText', () => {
  it('spells out short paths', () => {
    expect(pathText(['custom_fields', 'customfield_10020', 0])).toBe('custom_fields.customfield_10020[0]');
    expect(pathText([3, 'a'])).toBe('[3].a');
    expect(pathText([])).toBe('(record)');
  });
  it('abbreviates deep paths and long keys', () => {
    expect(pathText(['n', ...Array<string>(999).fill('a')])).toBe('n.a.a.a.a.a.a.a …(990 levels)… .a.a');
    expect(pathText(['k'.repeat(200)])).toBe(`${'k'.repeat(80)}…`);
  });
});
