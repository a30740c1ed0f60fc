import { describe, expect, it } from 'vitest';
import { noteRecordBytes, recordBytesOf } from '../../../../src/extract/sei/record-bytes.js';

/** Parses `body` as the client does and returns each record's noted bytes as text (undefined: none). */
function noted(body: string | Buffer): (string | undefined)[] {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const { records } = JSON.parse(bytes.toString('utf8')) as { records: unknown[] };
  noteRecordBytes(bytes, records);
  return records.map((record) =>
    record !== null && typeof record === 'object' ? recordBytesOf(record)?.toString('utf8') : undefined,
  );
}

/** Records whose JSON.stringify text is all kinds of canonical JSON. */
const CANONICAL = [
  {
    key: 'A-1',
    n: 0,
    neg: -12,
    big: 123456789012345,
    frac: 0.1,
    exp: 1e21,
    tiny: 5e-7,
    ok: true,
    no: false,
    nil: null,
  },
  { text: 'q"\\\n\r\t\b\f\u0001\u001f/\u007f\u2028é😀', nested: { a: [1, [2, { b: '}]' }]], e: {}, l: [] } },
  { 'a b': 1, '-1': 3, '1a': 4, '': 5, __proto__x: 6 },
];

describe('noteRecordBytes', () => {
  it('keeps the bytes of records JSON.stringify writes byte for byte, in a body with whitespace around them', () => {
    const body = `{ "count" : 3,\n  "records": [ ${CANONICAL.map((r) => JSON.stringify(r)).join(' ,\n ')} ],\n "_metadata": {"has_next": false} }`;
    expect(noted(body)).toEqual(CANONICAL.map((record) => JSON.stringify(record)));
  });

  it('keeps no bytes for a record serializing would write otherwise', () => {
    const written = [
      '{"a": 1}', // whitespace
      '{"a":1.0}', // a number JavaScript writes "1"
      '{"a":-0}',
      '{"a":1E3}',
      '{"a":12345678901234567890}',
      '{"a":"\\/"}', // an escape JSON.stringify does not write
      '{"a":"\\u00e9"}',
      '{"a":"\\u001F"}', // uppercase hex
      '{"a":"\\u000a"}', // has a short escape
      '{"a":"\\ud83d\\ude00"}',
      '{"b":1,"10":2}', // V8 puts the index key first
      '{"b":1,"01":2}', // not an index, but every key of digits only is left to JSON.stringify
    ];
    expect(noted(`{"records":[${written.join(',')}]}`)).toEqual(written.map(() => undefined));
  });

  it('keeps the canonical records of a page beside the others, and skips values that are not objects', () => {
    const body = '{"records":[{"a":1},{"a": 2},"text",null,7,[1],{"c":"d"}]}';
    expect(noted(body)).toEqual(['{"a":1}', undefined, undefined, undefined, undefined, '[1]', '{"c":"d"}']);
  });

  it('reads the last `records` of a body that repeats it, as JSON.parse does', () => {
    expect(noted('{"records":[{"x":1}],"page":{"records":[{"y":2}]},"records":[{"z":3}]}')).toEqual([
      '{"z":3}',
    ]);
  });

  it('keeps nothing of a body that is not valid UTF-8 (its decoded text is not its bytes)', () => {
    const body = Buffer.concat([
      Buffer.from('{"records":[{"a":"'),
      Buffer.from([0xff]),
      Buffer.from('"},{"b":1}]}'),
    ]);
    expect(noted(body)).toEqual([undefined, undefined]);
  });

  it('finds the end of a record nested deeper than any stack', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    expect(noted(`{"records":[{"d":${deep}},{"after":true}]}`)).toEqual([`{"d":${deep}}`, '{"after":true}']);
  });

  it('agrees with JSON.stringify on generated records', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pieces = ['a', 'Z', ' ', '"', '\\', '\n', '\u0003', 'é', '€', '😀', '/', '\u2028', '0'];
    const value = (depth: number): unknown => {
      const kind = Math.floor(random() * (depth > 3 ? 4 : 6));
      if (kind === 0)
        return Array.from(
          { length: Math.floor(random() * 6) },
          () => pieces[Math.floor(random() * pieces.length)],
        ).join('');
      if (kind === 1)
        return [0, -1, 42, 0.5, -3.25, 1e-9, 2 ** 60, Number.MAX_SAFE_INTEGER, 1 / 3][
          Math.floor(random() * 9)
        ];
      if (kind === 2) return random() < 0.5;
      if (kind === 3) return null;
      if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, (_, i) => [
          `k${i}${pieces[Math.floor(random() * 9)]}`,
          value(depth + 1),
        ]),
      );
    };
    const records = Array.from({ length: 300 }, () => ({ id: random(), v: value(0) }));
    const texts = records.map((record) => JSON.stringify(record));
    expect(noted(JSON.stringify({ records }))).toEqual(texts);
  });
});
