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

/**
 * The format written the plain way, value by value with Buffer's own writers: what the encoder's
 * direct byte writes must reproduce exactly.
 */
function referenceField(type: CopyColumnType, value: unknown): Buffer {
  if (value === null || value === undefined) return int32(-1);
  const fixed = (size: number, write: (b: Buffer) => void) => {
    const b = Buffer.alloc(size);
    write(b);
    return withLength(b);
  };
  switch (type) {
    case 'text':
      return withLength(Buffer.from(value as string, 'utf8'));
    case 'integer':
      return fixed(4, (b) => b.writeInt32BE(value as number));
    case 'bigint':
      return fixed(8, (b) => b.writeBigInt64BE(BigInt(value as number)));
    case 'double precision':
      return fixed(8, (b) => b.writeDoubleBE(value === 0 ? 0 : (value as number)));
    case 'boolean':
      return withLength(Buffer.from([value ? 1 : 0]));
    case 'timestamptz': {
      const ms = value instanceof Date ? value.getTime() : (value as number);
      return fixed(8, (b) => b.writeBigInt64BE(BigInt(ms - Date.UTC(2000, 0, 1)) * 1000n));
    }
    case 'text[]': {
      const list = value as string[];
      const head =
        list.length === 0
          ? [int32(0), int32(0), int32(25)]
          : [int32(1), int32(0), int32(25), int32(list.length), int32(1)];
      return withLength(
        Buffer.concat([...head, ...list.map((element) => withLength(Buffer.from(element, 'utf8')))]),
      );
    }
    case 'jsonb': {
      const text = value instanceof JsonText ? value.text : JSON.stringify(value);
      return withLength(Buffer.concat([Buffer.from([1]), Buffer.from(text, 'utf8')]));
    }
    case 'uuid':
      return withLength(Buffer.from((value as string).replaceAll('-', ''), 'hex'));
  }
}

function referenceRows(types: readonly CopyColumnType[], rows: readonly (readonly unknown[])[]): Buffer {
  const count = Buffer.alloc(2);
  count.writeInt16BE(types.length);
  const body = rows.flatMap((row) => [count, ...types.map((type, i) => referenceField(type, row[i]))]);
  return Buffer.concat([HEADER, ...body, TRAILER]);
}

describe('BinaryCopyRows against the reference encoding', () => {
  const types: CopyColumnType[] = [
    'text',
    'integer',
    'bigint',
    'double precision',
    'boolean',
    'timestamptz',
    'text[]',
    'jsonb',
    'uuid',
    'text',
  ];
  const texts = [
    '',
    'PROJ-1',
    'x'.repeat(64),
    'x'.repeat(65),
    'Zoë',
    'ü'.repeat(70),
    '😀',
    'a'.repeat(300) + '中',
  ];
  const numbers = [0, -1, 1, 2_147_483_647, -2_147_483_648, 123_456];
  const bigints = [0, -1, 2 ** 32, -(2 ** 32) - 1, 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 60, -(2 ** 62)];
  const doubles = [0, -0, 0.5, -1e300, Math.PI, 2 ** 70];
  const instants = [
    Date.UTC(2024, 1, 29, 12, 34, 56, 789),
    0,
    -1,
    Date.parse('0001-01-01T00:00:00.000Z'),
    Date.parse('9999-12-31T23:59:59.999Z'),
    new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)),
  ];
  const lists = [[], ['a'], ['Zoë', 'x'.repeat(100), ''], texts];
  const jsons = [{}, { a: [1, 'é', null] }, new JsonText('{"raw":"record ü"}'), 'just a string', 7, [true]];
  const uuids = ['00112233-4455-6677-8899-aabbccddeeff', '00000000-0000-4000-8000-000000000000'];
  /** Row i takes the (i + k)th value of each list, nulls sprinkled in, so that rows differ in every column. */
  const rows = Array.from({ length: 60 }, (_, i) => {
    const pick = <T>(list: readonly T[], k: number) =>
      (i + k) % 7 === 0 ? null : list[(i * (k + 1)) % list.length];
    return [
      pick(texts, 0),
      pick(numbers, 1),
      pick(bigints, 2),
      pick(doubles, 3),
      (i + 4) % 7 === 0 ? null : i % 2 === 0,
      pick(instants, 5),
      pick(lists, 6),
      pick(jsons, 7),
      pick(uuids, 8),
      pick(texts, 9),
    ];
  });

  it('writes the same bytes, from a buffer that has to grow many times or one that never does', () => {
    const expected = referenceRows(types, rows);
    for (const initialBytes of [8, 1 << 20]) {
      const encoded = new BinaryCopyRows(types, initialBytes);
      for (const row of rows) encoded.add(row);
      expect(encoded.rows).toBe(rows.length);
      expect(encoded.finish().toString('hex')).toBe(expected.toString('hex'));
    }
  });

  it('writes the same bytes after a refused row was rewound', () => {
    const encoded = new BinaryCopyRows(types, 8);
    const refused = [...rows[1]!];
    refused[6] = ['fine', 'a\u0000b'];
    for (const [i, row] of rows.entries()) {
      encoded.add(row);
      if (i % 10 === 0) expect(() => encoded.add(refused)).toThrow(NotBinaryEncodableError);
    }
    expect(encoded.finish().toString('hex')).toBe(referenceRows(types, rows).toString('hex'));
  });
});
