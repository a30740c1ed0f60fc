import { describe, expect, it } from 'vitest';
import { noteRecordBytes } from '../../../src/extract/sei/record-bytes.js';
import { prepareRows } from '../../../src/load/page-rows.js';
import { rowHash, rowHashOfBytes } from '../../../src/load/row-hash.js';
import { NoteList } from '../../../src/normalize/field-notes.js';
import { storableJson } from '../../../src/normalize/storable-json.js';
import { RAW_COLUMN } from '../../../src/streams/table-spec.js';
import type { TableSpec } from '../../../src/streams/types.js';

const TABLE: TableSpec = {
  schema: 'sei',
  name: 'things',
  key: ['id'],
  columns: [{ name: 'id', type: 'text', notNull: true }, RAW_COLUMN],
};

/** The records of `body` as the client returns them (their bytes noted). */
function received(body: string): Record<string, unknown>[] {
  const bytes = Buffer.from(body);
  const { records } = JSON.parse(body) as { records: Record<string, unknown>[] };
  noteRecordBytes(bytes, records);
  return records;
}

describe('prepareRows', () => {
  it('sends and hashes the bytes SEI sent when they are what serializing gives: the same hash as serializing', () => {
    const [record] = received('{"records":[{"id":"A-1","summary":"café 😀 \\"quoted\\"","points":0.5}]}');
    const [prepared] = prepareRows(TABLE, [{ id: 'A-1', raw: record }]);
    expect(Buffer.isBuffer(prepared?.rawJson)).toBe(true);
    expect(prepared?.rawJson?.toString()).toBe(JSON.stringify(record));
    expect(prepared?.hash).toBe(rowHash(JSON.stringify(record)));
  });

  it('serializes a record sent in another form (a Java server writing 1.0) and hashes that text', () => {
    const [record] = received('{"records":[{"id":"A-1","points":1.0, "done":true}]}');
    const [prepared] = prepareRows(TABLE, [{ id: 'A-1', raw: record }]);
    expect(prepared?.rawJson).toBe('{"id":"A-1","points":1,"done":true}');
    expect(prepared?.hash).toBe(rowHash('{"id":"A-1","points":1,"done":true}'));
  });

  it('serializes what normalizing made of a record it had to change, not the bytes SEI sent', () => {
    const [record] = received('{"records":[{"id":"A-1","summary":"nul \\u0000 here"}]}');
    const stored = storableJson(record, new NoteList());
    expect(stored).not.toBe(record);
    const [prepared] = prepareRows(TABLE, [{ id: 'A-1', raw: stored }]);
    expect(prepared?.rawJson).toBe('{"id":"A-1","summary":"nul \ufffd here"}');
  });
});

describe('rowHashOfBytes', () => {
  it('is rowHash of the text the bytes encode', () => {
    for (const text of ['', '{}', '{"a":"é€😀\\n"}', 'x'.repeat(100_000)])
      expect(rowHashOfBytes(Buffer.from(text))).toBe(rowHash(text));
  });
});
