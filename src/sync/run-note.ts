/**
 * What a stream run proved, as its ledger row's summary, and the one line its result carries beside
 * its counts when there is something to say that the counts do not: its endpoint was broken and the
 * rows derived (list-sync.ts), or SEI lists nothing at all for it (a tool the tenant does not use; that
 * cost one request).
 */

import type { VerifySummary } from '../verify/types.js';
import type { ListSyncResult } from './list-sync.js';
import type { StreamCondition, StreamCounts } from './types.js';
import type { WalkEnd } from './walk-finisher.js';

/** A stream whose endpoint this SEI does not serve (unavailable.ts): nothing was read. */
export interface UnavailableSummary {
  unavailable: string;
}

/** A stream run's summary: a list read, a complete keyset walk, a verify, or an endpoint not served. */
export type RunSummary =
  | ListSyncResult
  | Extract<WalkEnd, { kind: 'complete' }>
  | VerifySummary
  | UnavailableSummary;

/** What a summary says the stream lacked: a walk's proof (degraded), or its endpoint (unavailable). */
export function conditionOf(summary: RunSummary): StreamCondition | undefined {
  if ('unavailable' in summary) return { kind: 'unavailable', reason: summary.unavailable };
  if ('degraded' in summary && summary.degraded !== undefined)
    return { kind: 'degraded', reason: summary.degraded };
  return undefined;
}

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
  if ('unavailable' in summary) return summary.unavailable;
  if ('degraded' in summary && summary.degraded !== undefined) return `degraded: ${summary.degraded}`;
  return 'status' in summary ? undefined : runNote(summary, counts);
}
