import { describe, expect, it } from 'vitest';
import { zeroCounts } from '../../../src/sync/counts.js';
import { EMPTY_STREAM_NOTE, runNote } from '../../../src/sync/run-note.js';

describe('runNote', () => {
  it('calls a list empty only when the complete walk read nothing', () => {
    expect(runNote({ deletionsDecided: true, walkRecords: 0 }, zeroCounts())).toBe(EMPTY_STREAM_NOTE);
    expect(runNote({ deletionsDecided: true }, zeroCounts())).toBe(EMPTY_STREAM_NOTE);
    expect(runNote({ deletionsDecided: true }, { ...zeroCounts(), records: 3 })).toBeUndefined();
    expect(runNote({ deletionsDecided: false, walkRecords: 0 }, zeroCounts())).toBeUndefined();
  });

  it('says nothing of an empty list for a resumed walk whose records an earlier run read', () => {
    // This run read only the walk's last slice, empty; the killed run before it read 50,000 records.
    expect(runNote({ deletionsDecided: true, walkRecords: 50_000 }, zeroCounts())).toBeUndefined();
  });
});
