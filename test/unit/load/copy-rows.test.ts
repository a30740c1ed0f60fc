/**
 * A page's rows as binary COPY data: each row's values in the column order of its table (read by a
 * generated reader), the raw record as the JSON text already made, then the hash or the run id.
 */
import { describe, expect, it } from 'vitest';
import { BinaryCopyRows, JsonText } from '../../../src/load/copy-binary.js';
import { encodeChildRows, encodeEntityRows } from '../../../src/load/copy-rows.js';
import type { ChildTableSpec, TableSpec } from '../../../src/streams/types.js';

const table: TableSpec = {
  schema: 'sei',
  name: 'things',
  key: ['id'],
  columns: [
    { name: 'id', type: 'text', notNull: true },
    { name: 'raw', type: 'jsonb', notNull: true },
    { name: 'count', type: 'integer' },
    // A name that must be quoted in generated code.
    { name: 'odd "name"\\', type: 'text[]' },
  ],
};

const child: ChildTableSpec = {
  schema: 'sei',
  name: 'thing_steps',
  parentKey: ['id'],
  columns: [
    { name: 'id', type: 'text', notNull: true },
    { name: 'ordinal', type: 'integer', notNull: true },
    { name: 'at', type: 'timestamptz' },
  ],
};

describe('encodeEntityRows', () => {
  it('writes each row in column order, raw as its JSON text, missing values as NULL, then the hash', () => {
    const rows = [
      // Properties in another order than the columns, one column missing.
      {
        row: { 'odd "name"\\': ['x'], count: 3, raw: { ignored: true }, id: 'A-1' },
        key: 'A-1',
        rawJson: '{"a":1}',
        hash: 'h1',
      },
      { row: { id: 'B-2', raw: {} }, key: 'B-2', rawJson: '{"b":"é"}', hash: 'h2' },
      { row: { id: 'C-3', count: null }, key: 'C-3', rawJson: null, hash: null },
    ];
    const expected = new BinaryCopyRows(['text', 'jsonb', 'integer', 'text[]', 'text']);
    expected.add(['A-1', new JsonText('{"a":1}'), 3, ['x'], 'h1']);
    expected.add(['B-2', new JsonText('{"b":"é"}'), undefined, undefined, 'h2']);
    expected.add(['C-3', null, null, undefined, null]);
    expect(encodeEntityRows(table, rows).toString('hex')).toBe(expected.finish().toString('hex'));
  });
});

describe('encodeChildRows', () => {
  it('writes each row in column order, then the run id', () => {
    const runId = '00000000-0000-4000-8000-000000000001';
    const rows = [
      { at: 1_700_000_000_000, ordinal: 0, id: 'A-1' },
      { id: 'A-1', ordinal: 1 },
    ];
    const expected = new BinaryCopyRows(['text', 'integer', 'timestamptz', 'uuid']);
    expected.add(['A-1', 0, 1_700_000_000_000, runId]);
    expected.add(['A-1', 1, null, runId]);
    expect(encodeChildRows(child, rows, runId).toString('hex')).toBe(expected.finish().toString('hex'));
  });
});
