/**
 * The one line a stream's result carries beside its counts when there is something to say that the
 * counts do not: its endpoint was broken and the rows derived (list-sync.ts), or SEI lists nothing
 * at all for it (a tool the tenant does not use; that cost one request).
 */
import type { StreamCounts } from './types.js';

export const EMPTY_STREAM_NOTE =
  'SEI lists no records: not used by this tenant (or none in the sync scope, or not visible to this key)';

export function runNote(summary: unknown, counts: StreamCounts): string | undefined {
  if (summary === null || typeof summary !== 'object') return undefined;
  const { note, deletionsDecided, walkRecords } = summary as {
    note?: unknown;
    deletionsDecided?: unknown;
    walkRecords?: unknown;
  };
  if (typeof note === 'string') return note;
  // Only a complete read proves the list empty; an incremental run reading nothing just found no change.
  // A walk resumed from an earlier run read most of its records there: the walk's total decides.
  const read = counts.records + (typeof walkRecords === 'number' ? walkRecords : 0);
  return deletionsDecided === true && read === 0 ? EMPTY_STREAM_NOTE : undefined;
}
