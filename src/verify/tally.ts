/**
 * Counting buckets on both sides. The server's count comes first (crowded buckets are cut and counted
 * again, so that a difference points at a stretch a heal can re-walk cheaply); the warehouse then
 * counts its live rows with the very bounds the server applied (`serverInterval`): exclusive seconds
 * for most endpoints, inclusive for CI/CD on millisecond instants.
 */

import { pageSizeOf } from '../extract/list-source.js';
import { fromEpochSeconds, type TimeRange } from '../extract/time-range.js';
import type { IncrementalStream } from '../streams/types.js';
import { holdsRowsWithoutInstant, partsFor, sameRange, serverInterval } from './buckets.js';
import type { VerifyContext } from './context.js';
import { countBucket } from './server-counts.js';
import { type BucketCounts, type CountMethod, VERIFY_DEFAULTS } from './types.js';
import { countRowsInIntervals } from './warehouse-counts.js';

export interface Tally extends BucketCounts {
  range: TimeRange;
  method: CountMethod;
}

/** The bucket's counts disagree once rows moved past the cursor since the last sync are set aside. */
export const differs = (counts: BucketCounts): boolean => counts.server !== counts.warehouse - counts.moved;

/** Records changed on the server since the last sync: their keys, read from the cursor up to `through`. */
export interface MovedRecords {
  keys: Set<string>;
  /** Epoch second the read of `[cursor, through)` reached. */
  through: number;
}

/** Most records a bucket should hold: a heal re-walks a differing bucket whole. */
export function bucketLimit(verify: VerifyContext, stream: IncrementalStream): number {
  return pageSizeOf(verify.ctx, stream) * VERIFY_DEFAULTS.bucketPages;
}

/** The server's count of every bucket; with `limit`, crowded buckets are cut and counted again. */
export async function serverCounts(
  verify: VerifyContext,
  stream: IncrementalStream,
  buckets: readonly TimeRange[],
  limit?: number,
): Promise<{ range: TimeRange; method: CountMethod; server: number }[]> {
  const count = (range: TimeRange) =>
    countBucket(verify, stream, range).then((answer) => ({
      range,
      method: answer.method,
      server: answer.total,
    }));
  let counted = await Promise.all(buckets.map(count));
  for (let round = 0; limit !== undefined && round < VERIFY_DEFAULTS.splitRounds; round++) {
    // Counting by reading costs as much as the reading a smaller bucket would save.
    const crowded = (entry: (typeof counted)[number]) =>
      entry.method === 'total_count' && entry.server > limit && entry.range.to - entry.range.from > 1;
    if (!counted.some(crowded)) break;
    const cut = await Promise.all(
      counted.map((entry) =>
        crowded(entry)
          ? Promise.all(
              partsFor(entry.range, entry.server, limit, VERIFY_DEFAULTS.maxParts).map((range) =>
                count(range),
              ),
            )
          : [entry],
      ),
    );
    counted = cut.flat();
  }
  return counted;
}

/** Adds the warehouse's count of each bucket (and of rows in it that moved since the last sync). */
export async function withWarehouseCounts(
  verify: VerifyContext,
  stream: IncrementalStream,
  counted: readonly { range: TimeRange; method: CountMethod; server: number }[],
  moved: MovedRecords | undefined,
): Promise<Tally[]> {
  const { filter, column, recordField } = stream.cursor;
  const intervals = counted.map(({ range }) => {
    const interval = serverInterval(filter, range);
    return {
      lower: fromEpochSeconds(interval.lower),
      upper: fromEpochSeconds(interval.upper),
      orNoValue: holdsRowsWithoutInstant(range),
    };
  });
  const rows = await countRowsInIntervals(verify.ctx.db, stream.table, column, intervals, {
    inclusive: filter.inclusive,
    recordField,
    rows: verify.rows,
    ...(moved && { moved: moved.keys }),
  });
  return counted.map((entry, index) => ({
    ...entry,
    warehouse: rows[index]?.rows ?? 0,
    moved: rows[index]?.moved ?? 0,
  }));
}

/**
 * The buckets counted again after a heal walked `walked`: the server counts those again (the others'
 * counts stand: nothing of ours changed them), the warehouse counts every bucket again, since a row
 * the heal moved out of a bucket changes that bucket's count too.
 */
export async function recount(
  verify: VerifyContext,
  stream: IncrementalStream,
  tallies: readonly Tally[],
  moved: MovedRecords | undefined,
  walked: readonly TimeRange[],
): Promise<Tally[]> {
  const isWalked = (range: TimeRange) => walked.some((w) => sameRange(w, range));
  const again = await serverCounts(
    verify,
    stream,
    tallies.filter((tally) => isWalked(tally.range)).map((tally) => tally.range),
  );
  const counted = tallies.map((tally) =>
    isWalked(tally.range) ? (again.find((entry) => sameRange(entry.range, tally.range)) ?? tally) : tally,
  );
  return withWarehouseCounts(verify, stream, counted, moved);
}
