/** A page's rows made ready to write: one per key (the last), in the key order PostgreSQL locks by. */
import { describe, expect, it } from 'vitest';
import { dedupeByKey, prepareRows } from '../../../src/load/page-rows.js';
import { rowHash } from '../../../src/load/row-hash.js';
import { KEY_SEPARATOR, keyText } from '../../../src/state/sql-text.js';
import type { TableSpec } from '../../../src/streams/types.js';

describe('keyText', () => {
  it('gives one column as its text and several joined by the separator', () => {
    expect(keyText({ a: 7 }, ['a'])).toBe('7');
    expect(keyText({ a: '1', b: 'X-2', c: null }, ['b', 'a', 'c'])).toBe(
      ['X-2', '1', 'null'].join(KEY_SEPARATOR),
    );
  });
});

describe('dedupeByKey', () => {
  it('keeps the last row of each key, sorted by UTF-16 code units', () => {
    const rows = [
      { k: 'b', v: 1 },
      { k: '\uffff', v: 2 },
      { k: 'B', v: 3 },
      { k: '😀', v: 4 },
      { k: 'b', v: 5 },
      { k: 'a', v: 6 },
    ];
    // 'B' < 'a' < 'b', and U+1F600 (a surrogate pair, D83D DE00) < U+FFFF.
    expect(dedupeByKey(rows, ['k']).map((row) => row.v)).toEqual([3, 6, 5, 4, 2]);
  });
});

describe('prepareRows', () => {
  it('serializes each raw record once, with its hash', () => {
    const table: TableSpec = {
      schema: 'sei',
      name: 't',
      key: ['id'],
      columns: [
        { name: 'id', type: 'text' },
        { name: 'raw', type: 'jsonb' },
      ],
    };
    const prepared = prepareRows(table, [
      { id: '2', raw: { é: [1] } },
      { id: '1', raw: null },
    ]);
    expect(prepared.map(({ rawJson, hash }) => [rawJson, hash])).toEqual([
      [null, null],
      ['{"é":[1]}', rowHash('{"é":[1]}')],
    ]);
  });
});
