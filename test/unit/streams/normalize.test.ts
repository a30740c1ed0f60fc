import { describe, expect, it } from 'vitest';
import {
  epochMillis,
  epochSeconds,
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
} from '../../../src/streams/normalize.js';

const NOT_SET = [
  0,
  '0',
  '',
  ' ',
  null,
  undefined,
  -5,
  'soon',
  {},
  [],
  true,
  Number.NaN,
  Number.POSITIVE_INFINITY,
];

describe('epochSeconds', () => {
  it('reads seconds, numbers or numeric strings', () => {
    expect(epochSeconds(1_620_926_169)).toEqual(new Date('2021-05-13T17:16:09Z'));
    expect(epochSeconds('1620926169')).toEqual(new Date('2021-05-13T17:16:09Z'));
  });
  it.each(NOT_SET)('treats %j as not set', (value) => expect(epochSeconds(value)).toBeNull());
  it('takes a value too large for seconds as milliseconds', () => {
    expect(epochSeconds(1_620_926_169_123)).toEqual(new Date('2021-05-13T17:16:09.123Z'));
  });
  it('rejects instants JavaScript cannot represent', () => expect(epochSeconds(1e20)).toBeNull());
});

describe('epochMillis', () => {
  it('reads milliseconds, numbers or numeric strings', () => {
    expect(epochMillis(1_715_126_614_000)).toEqual(new Date('2024-05-08T00:03:34Z'));
    expect(epochMillis('1715126614000')).toEqual(new Date('2024-05-08T00:03:34Z'));
  });
  it.each(NOT_SET)('treats %j as not set', (value) => expect(epochMillis(value)).toBeNull());
  it('takes a value too small for milliseconds as seconds', () => {
    expect(epochMillis(1_715_126_614)).toEqual(new Date('2024-05-08T00:03:34Z'));
  });
});

describe('numbers', () => {
  it('toNumber accepts numbers and numeric strings only', () => {
    expect(toNumber(3.5)).toBe(3.5);
    expect(toNumber(' 3.5 ')).toBe(3.5);
    expect(toNumber('1e3')).toBe(1000);
    for (const value of ['', 'x', null, undefined, true, [], {}, Number.NaN])
      expect(toNumber(value)).toBeNull();
  });
  it('toInt keeps whole numbers in integer range', () => {
    expect(toInt('120')).toBe(120);
    expect(toInt(7)).toBe(7);
    expect(toInt(3.0)).toBe(3);
    expect(toInt(3.5)).toBeNull();
    expect(toInt(2 ** 31)).toBeNull();
    expect(toInt('-2147483648')).toBe(-2147483648);
  });
  it('toBigInt keeps safe integers', () => {
    expect(toBigInt(2 ** 40)).toBe(2 ** 40);
    expect(toBigInt(2 ** 60)).toBeNull();
  });
});

describe('text, booleans, lists, json', () => {
  it('toText keeps strings as sent and writes numbers as text', () => {
    expect(toText('')).toBe('');
    expect(toText('a')).toBe('a');
    expect(toText(76)).toBe('76');
    for (const value of [null, undefined, true, {}, [], Number.NaN]) expect(toText(value)).toBeNull();
  });
  it('toBool takes booleans and their spelled-out strings', () => {
    expect(toBool(true)).toBe(true);
    expect(toBool('false')).toBe(false);
    expect(toBool(1)).toBeNull();
    expect(toBool('yes')).toBeNull();
  });
  it('toTextArray takes lists of scalars and wraps a single scalar', () => {
    expect(toTextArray(['a', 2])).toEqual(['a', '2']);
    expect(toTextArray([])).toEqual([]);
    expect(toTextArray('acme/web')).toEqual(['acme/web']);
    expect(toTextArray([{ id: 1 }])).toBeNull();
    expect(toTextArray(['a', null])).toBeNull();
    expect(toTextArray(undefined)).toBeNull();
    expect(toTextArray({})).toBeNull();
  });
  it('toJsonObject / toJsonArray keep only their shape', () => {
    expect(toJsonObject({ a: 1 })).toEqual({ a: 1 });
    expect(toJsonObject([1])).toBeNull();
    expect(toJsonObject('x')).toBeNull();
    expect(toJsonArray([1])).toEqual([1]);
    expect(toJsonArray({})).toBeNull();
  });
});

describe('keys', () => {
  it('toKeyText takes non-blank strings and safe integers', () => {
    expect(toKeyText('79')).toBe('79');
    expect(toKeyText(79)).toBe('79');
    for (const value of ['', '  ', 1.5, null, undefined, true, {}, ['1'], 2 ** 60]) {
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
  });
});
