/**
 * The binary COPY encoding: the exact bytes of each type, and the values it leaves to the portable
 * path (what a normalizer bug could let through) without writing half a row.
 */
import { describe, expect, it } from 'vitest';
import {
  BinaryCopyRows,
  type CopyColumnType,
  JsonText,
  NotBinaryEncodableError,
} from '../../../src/load/copy-binary.js';

const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const TRAILER = Buffer.from([0xff, 0xff]);

/** The bytes of one row of one field. */
function field(type: CopyColumnType, value: unknown): Buffer {
  const rows = new BinaryCopyRows([type], 16);
  rows.add([value]);
  const all = rows.finish();
  expect(all.subarray(0, HEADER.length)).toEqual(HEADER);
  expect(all.subarray(all.length - 2)).toEqual(TRAILER);
  expect(all.readInt16BE(HEADER.length)).toBe(1);
  return all.subarray(HEADER.length + 2, all.length - 2);
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const withLength = (bytes: Buffer) => Buffer.concat([int32(bytes.length), bytes]);

describe('BinaryCopyRows', () => {
  it('writes NULL as length -1, whatever the type', () => {
    expect(field('integer', null)).toEqual(int32(-1));
    expect(field('jsonb', undefined)).toEqual(int32(-1));
  });

  it('writes text as UTF-8 and jsonb as version 1 plus the JSON text', () => {
    expect(field('text', 'é😀')).toEqual(withLength(Buffer.from('é😀', 'utf8')));
    expect(field('jsonb', { a: [1, 'x'] })).toEqual(withLength(Buffer.from('\x01{"a":[1,"x"]}', 'latin1')));
    expect(field('jsonb', new JsonText('{"b":2}'))).toEqual(withLength(Buffer.from('\x01{"b":2}', 'latin1')));
  });

  it('writes short and long text, ASCII or not, as its exact UTF-8 bytes', () => {
    // Short ASCII strings take a copying loop, the rest Buffer#write: both must give UTF-8 exactly.
    const values = [
      '',
      'a',
      'x'.repeat(32),
      'x'.repeat(33),
      'PROJ-1234',
      'café',
      `${'a'.repeat(31)}é`,
      'é' + 'a'.repeat(20),
      'emoji 😀 pair',
      '中文',
      `${'long ascii '.repeat(10)}ü`,
    ];
    for (const value of values) {
      expect(field('text', value)).toEqual(withLength(Buffer.from(value, 'utf8')));
      expect(field('text[]', [value, 'b']).subarray(4 + 20)).toEqual(
        Buffer.concat([withLength(Buffer.from(value, 'utf8')), withLength(Buffer.from('b'))]),
      );
    }
  });

  it('writes whole numbers, doubles and booleans in network order', () => {
    expect(field('integer', -2)).toEqual(withLength(Buffer.from([0xff, 0xff, 0xff, 0xfe])));
    const big = Buffer.alloc(8);
    big.writeBigInt64BE(-(2n ** 52n) - 3n);
    expect(field('bigint', -(2 ** 52) - 3)).toEqual(withLength(big));
    big.writeBigInt64BE(2n ** 60n);
    expect(field('bigint', 2 ** 60)).toEqual(withLength(big));
    const double = Buffer.alloc(8);
    double.writeDoubleBE(0.1);
    expect(field('double precision', 0.1)).toEqual(withLength(double));
    // JSON has no -0: stored as 0 like the portable path does.
    expect(field('double precision', -0)).toEqual(withLength(Buffer.alloc(8)));
    expect(field('boolean', true)).toEqual(withLength(Buffer.from([1])));
  });

  it('writes instants as microseconds since 2000-01-01, to the years 1 and 9999', () => {
    const micros = (iso: string) => {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(BigInt(Date.parse(iso) - Date.parse('2000-01-01T00:00:00Z')) * 1000n);
      return withLength(b);
    };
    for (const iso of ['2024-02-29T12:34:56.789Z', '0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
      expect(field('timestamptz', new Date(iso))).toEqual(micros(iso));
      // As normalizers give them: epoch milliseconds (`EpochMs`).
      expect(field('timestamptz', Date.parse(iso))).toEqual(micros(iso));
    }
  });

  it('writes text[] as a one-dimensional array of text, and [] with no dimension', () => {
    expect(field('text[]', [])).toEqual(withLength(Buffer.concat([int32(0), int32(0), int32(25)])));
    expect(field('text[]', ['a', 'bc'])).toEqual(
      withLength(
        Buffer.concat([
          int32(1),
          int32(0),
          int32(25),
          int32(2),
          int32(1),
          withLength(Buffer.from('a')),
          withLength(Buffer.from('bc')),
        ]),
      ),
    );
  });

  it('writes a uuid as its 16 bytes', () => {
    expect(field('uuid', '00112233-4455-6677-8899-AABBCCDDEEFF')).toEqual(
      withLength(Buffer.from('00112233445566778899aabbccddeeff', 'hex')),
    );
  });

  it.each<[CopyColumnType, unknown]>([
    ['text', 'a\u0000b'],
    ['text', 'half \ud83d emoji'],
    ['text', 42],
    ['integer', 2 ** 40],
    ['integer', 1.5],
    ['integer', '7'],
    ['bigint', 2 ** 63],
    ['double precision', Number.NaN],
    ['double precision', Number.POSITIVE_INFINITY],
    ['boolean', 'true'],
    ['timestamptz', new Date(1e15)],
    ['timestamptz', new Date(Number.NaN)],
    ['timestamptz', 1e15],
    ['timestamptz', Number.NaN],
    ['timestamptz', '2024-01-01T00:00:00Z'],
    ['text[]', ['a', 1]],
    ['text[]', ['a\u0000']],
    ['text[]', 'a'],
    ['jsonb', () => 1],
    ['uuid', 'not-a-uuid'],
  ])('leaves %s %j to the portable path, and the rows as they were', (type, value) => {
    const rows = new BinaryCopyRows(['text', type], 16);
    rows.add(['first', null]);
    const before = Buffer.from(rows.finish().subarray(0, -2));
    const attempt = () => rows.add(['second', value]);
    expect(attempt).toThrow(NotBinaryEncodableError);
    expect(rows.rows).toBe(1);
    rows.add(['third', null]);
    const after = rows.finish();
    expect(after.subarray(0, before.length)).toEqual(before);
    expect(rows.rows).toBe(2);
  });

  it('grows past its first buffer', () => {
    const rows = new BinaryCopyRows(['text'], 8);
    const long = 'x'.repeat(100_000);
    rows.add([long]);
    rows.add([long]);
    expect(rows.finish().length).toBe(HEADER.length + 2 * (2 + 4 + 100_000) + 2);
  });
});
