/**
 * What a verify of an incremental stream compares: the range from the scope's horizon up to the
 * stream's cursor (when that cursor vouches for the scope), cut into month buckets that run from the
 * earliest record either side knows to the latest. `verify` and `verify --plan` both start here.
 */

import { EARLIEST_SECOND, fromEpochSeconds, type TimeRange, toEpochSeconds } from '../extract/time-range.js';
import { readCheckpoint } from '../state/checkpoints.js';
import type { IncrementalStream } from '../streams/types.js';
import { monthBuckets, UNIX_SECOND_ONE } from './buckets.js';
import type { VerifyContext } from './context.js';
import { cursorCovers } from './scope.js';
import { probeRange } from './server-counts.js';
import { instantSpan } from './warehouse-counts.js';

/** The range to compare and the cursor it ends at (epoch seconds), or why nothing can be compared. */
export type ComparedRange = { range: TimeRange; cursor: number } | { skipped: string };

export async function comparedRange(
  verify: VerifyContext,
  stream: IncrementalStream,
): Promise<ComparedRange> {
  const checkpoint = await readCheckpoint(verify.ctx.db, stream.name);
  if (!checkpoint?.cursor)
    return { skipped: 'never synced to the end: without a cursor there is no range the warehouse must hold' };
  if (!cursorCovers(checkpoint.cursorScope, verify.scope))
    return {
      skipped:
        'the cursor was reached for a narrower scope (a later horizon or other integrations) than the one verified: sync this scope, then verify',
    };
  const cursor = toEpochSeconds(checkpoint.cursor);
  const range: TimeRange = { from: verify.scope.from ?? EARLIEST_SECOND, to: cursor };
  if (range.from >= range.to)
    return {
      skipped: `the horizon is not before the stream's cursor (${fromEpochSeconds(cursor).toISOString()}): nothing to compare`,
    };
  return { range, cursor };
}

/**
 * The month buckets of `range`, from the warehouse's oldest and newest rows and the first answer of
 * the walk's order (the oldest record ascending, the newest descending: one request, which also
 * brings the server's count of the whole range).
 */
export async function rangeBuckets(
  verify: VerifyContext,
  stream: IncrementalStream,
  range: TimeRange,
): Promise<{ buckets: TimeRange[]; total: number | undefined }> {
  const span = await instantSpan(verify.ctx.db, stream.table, stream.cursor.column, verify.rows);
  const probe = stream.totalCount === 'page' ? undefined : await probeRange(verify, stream, range);
  const known = (values: (number | undefined)[], pick: (...v: number[]) => number) => {
    const defined = values.filter((value): value is number => value !== undefined);
    return defined.length > 0 ? pick(...defined) : undefined;
  };
  const ascending = stream.cursor.serverOrder === 'asc';
  // A first record before 1970 lies in the one bucket before 1970: months start at the first after it
  // (else one record at -1 would cut 57 years into months, a request each).
  const probeFirst = ascending && (probe?.first ?? 0) >= UNIX_SECOND_ONE ? probe?.first : undefined;
  const first = known([span.first, probeFirst], Math.min);
  const last = known([span.last, ascending ? undefined : probe?.first], Math.max);
  return { buckets: monthBuckets(range, { first, last }), total: probe?.total };
}
