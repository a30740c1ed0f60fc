/** A stream declared as a field list: the table spec and the normalizer come from the same lines. */
import { describe, expect, it } from 'vitest';
import { toTextArray } from '../../../src/normalize/convert.js';
import { NoteList } from '../../../src/normalize/field-notes.js';
import { defineStream } from '../../../src/streams/define-stream.js';
import { derived, field, float, seconds, text } from '../../../src/streams/fields.js';
import { keyFields } from '../../../src/streams/stream-key.js';

const stream = defineStream({
  name: 'jira_sprints',
  path: '/v1/example/list',
  mode: 'incremental',
  cursor: {
    filter: { field: 'updated_at', boundType: 'number', inclusive: false },
    recordField: 'updated_at',
    recordUnit: 's',
    column: 'updated_at',
    serverOrder: 'asc',
  },
  table: 'example',
  key: keyFields('integration_id', ['item_key', 'key']),
  fields: [
    text('title'),
    float('points', { from: ['story_point', 'story_points'] }),
    field('tags', 'text[]', toTextArray, { from: 'labels' }),
    derived('title_length', 'integer', (record) => String(record.title ?? '').length),
    seconds('updated_at'),
  ],
  children: [{ table: 'example_history', list: 'history', fields: [text('status')] }],
});

describe('defineStream', () => {
  it('makes the table spec: key columns (text, NOT NULL), the fields in order, raw', () => {
    expect(stream.table).toEqual({
      schema: 'sei',
      name: 'example',
      key: ['integration_id', 'item_key'],
      columns: [
        { name: 'integration_id', type: 'text', notNull: true },
        { name: 'item_key', type: 'text', notNull: true },
        { name: 'title', type: 'text' },
        { name: 'points', type: 'double precision' },
        { name: 'tags', type: 'text[]' },
        { name: 'title_length', type: 'integer' },
        { name: 'updated_at', type: 'timestamptz' },
        { name: 'raw', type: 'jsonb', notNull: true },
      ],
    });
    expect(stream.children[0]?.columns.map((column) => column.name)).toEqual([
      'integration_id',
      'item_key',
      'ordinal',
      'status',
    ]);
    // Defaults: page_size, has_next on a full page, a sort on the cursor in the server's order.
    expect([stream.pageSizeParam, stream.hasNext, stream.sort]).toEqual([
      'page_size',
      'page_full',
      [{ id: 'updated_at', desc: false }],
    ]);
  });

  it('normalizes with the same list: sources, second spellings, derived columns, child rows, notes', () => {
    const record = {
      integration_id: 7,
      key: 'A-1',
      title: 'Fix it',
      story_points: '3',
      labels: 'one',
      updated_at: 'yesterday',
      history: [{ status: 'OPEN' }, 'junk', { status: 'DONE' }],
    };
    const notes = new NoteList();
    expect(stream.normalize(record, notes)).toEqual({
      ok: true,
      row: {
        integration_id: '7',
        item_key: 'A-1',
        title: 'Fix it',
        points: 3,
        tags: ['one'],
        title_length: 6,
        updated_at: null,
        raw: record,
      },
      children: {
        example_history: [
          { integration_id: '7', item_key: 'A-1', ordinal: 0, status: 'OPEN' },
          { integration_id: '7', item_key: 'A-1', ordinal: 1, status: 'DONE' },
        ],
      },
    });
    // Each note names the record field that was read.
    expect(notes.notes.map((note) => [note.field, note.action])).toEqual([
      ['updated_at', 'nulled_unparseable'],
      ['history[1]', 'nulled_wrong_type'],
    ]);
    expect(stream.recordKey(record)).toBe('7:A-1');
    expect(stream.normalize({ key: 'A-1' }, new NoteList())).toEqual({
      ok: false,
      reason: 'key field integration_id is missing',
    });
  });

  it('refuses a column name that is not a plain SQL name', () => {
    expect(() => text('Robert"); DROP TABLE x; --')).toThrow(/not a plain name/);
  });
});
