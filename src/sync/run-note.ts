/**
 * What a stream run proved, as its ledger row's summary, and the one line its result carries beside
 * its counts when there is something to say that the counts do not: its endpoint was broken and the
 * rows derived (list-sync.ts), or SEI lists nothing at all for it (a tool the tenant does not use; that
 * cost one request).
 */

import type { VerifySummary } from '../verify/types.js';
import type { ListSyncResult } from './list-sync.js';
import type { StreamCounts } from './types.js';
import type { WalkEnd } from './walk-finisher.js';

/** A stream run's summary: a list read, a complete keyset walk, or a verify. */
export type RunSummary = ListSyncResult | Extract<WalkEnd, { kind: 'complete' }> | VerifySummary;

export const EMPTY_STREAM_NOTE =
  'SEI lists no records: not used by this tenant (or none in the sync scope, or not visible to this key)';

export function runNote(
  summary: { note?: string; deletionsDecided?: boolean; walkRecords?: number },
  counts: StreamCounts,
): string | undefined {
  if (summary.note !== undefined) return summary.note;
  // Only a complete read proves the list empty; an incremental run reading nothing just found no change.
  // A walk resumed from an earlier run read most of its records there: the walk's total decides.
  const read = counts.records + (summary.walkRecords ?? 0);
  return summary.deletionsDecided === true && read === 0 ? EMPTY_STREAM_NOTE : undefined;
}

/** The note of a run's summary (a verify's says nothing here: its findings are its own result). */
export function noteOf(summary: RunSummary, counts: StreamCounts): string | undefined {
  return 'status' in summary ? undefined : runNote(summary, counts);
}
