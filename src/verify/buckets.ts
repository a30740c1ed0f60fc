/**
 * The buckets a verify compares, and what exactly a bucket selects on each side. Pure.
 *
 * Buckets partition the compared range `[from, to)` by calendar month (UTC): a month is what a person
 * checks a number against in the SEI UI, and a heal re-walks only the months that differ. The
 * stretches before the first record's month and after the last one's are one bucket each, so that
 * records one side has and the other does not are compared wherever they lie.
 */

import { evenParts } from '../extract/slicing.js';
import { EARLIEST_SECOND, rangeFilterValue, type TimeRange } from '../extract/time-range.js';
import type { RangeFilter } from '../streams/types.js';

/** The first second the warehouse stores an instant for (the normalizers keep instants after 1970). */
export const UNIX_SECOND_ONE = 1;

/**
 * The bucket whose warehouse count also takes the rows without a cursor value: the one starting at
 * the beginning of time, which holds the server's instants before 1970 (stored as no value, noted).
 */
export const holdsRowsWithoutInstant = (bucket: TimeRange): boolean => bucket.from <= EARLIEST_SECOND;

/** The same stretch of time. */
export const sameRange = (a: TimeRange, b: TimeRange): boolean => a.from === b.from && a.to === b.to;

/** Midnight UTC of the first day of the month holding `seconds`. */
export function monthStart(seconds: number): number {
  const date = new Date(seconds * 1000);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / 1000;
}

/** Midnight UTC of the first day of the next month. */
export function nextMonthStart(seconds: number): number {
  const date = new Date(monthStart(seconds) * 1000);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / 1000;
}

/**
 * `range` cut at every month boundary from the month of `span.first` (the earliest record known on
 * either side) to the end of the month of `span.last` (the latest known); the stretches before and
 * after are one bucket each (counted like any other, and cut smaller if the server counts many
 * records there). Without any known record, the range is one bucket.
 */
export function monthBuckets(
  range: TimeRange,
  span: { first: number | undefined; last: number | undefined },
): TimeRange[] {
  if (range.from >= range.to) return [];
  // Before 1970 (and `0`, "not set" in SEI's seconds) is one bucket: the warehouse holds no such
  // instant (the rows keep no cursor value), so it is compared with the rows that have none.
  if (holdsRowsWithoutInstant(range) && range.to > UNIX_SECOND_ONE)
    return [
      { from: range.from, to: UNIX_SECOND_ONE },
      ...monthBuckets({ from: UNIX_SECOND_ONE, to: range.to }, span),
    ];
  const { first, last } = span;
  if (first === undefined || first >= range.to) return [{ ...range }];
  const buckets: TimeRange[] = [];
  let from = range.from;
  const firstMonth = monthStart(Math.max(first, range.from));
  if (firstMonth > from) {
    buckets.push({ from, to: firstMonth });
    from = firstMonth;
  }
  const monthsEnd = last === undefined ? range.to : Math.min(range.to, nextMonthStart(Math.max(last, from)));
  while (from < monthsEnd) {
    const to = Math.min(monthsEnd, nextMonthStart(from));
    buckets.push({ from, to });
    from = to;
  }
  if (from < range.to) buckets.push({ from, to: range.to });
  return buckets;
}

/** Parts a crowded bucket is cut into: enough for about half the limit each, within `maxParts` and its seconds. */
export function partsFor(bucket: TimeRange, count: number, limit: number, maxParts: number): TimeRange[] {
  const parts = Math.min(maxParts, bucket.to - bucket.from, Math.ceil(count / limit) * 2);
  return parts <= 1 ? [bucket] : evenParts(bucket, parts);
}

/**
 * What the server selects for a bucket, in epoch seconds compared with the record's exact instant:
 * the bounds the request really sends (`rangeFilterValue`), read with the endpoint's semantics. On
 * exclusive endpoints `[from, to)` goes out as `$gt: from - 1, $lt: to`, which on second-precision
 * records is `[from, to)`; CI/CD reads `$gt: from, $lt: to` as `from <= t <= to` on millisecond
 * records, so a run ending exactly at `to.000` is in two adjacent buckets, on both sides alike.
 */
export interface ServerInterval {
  lower: number;
  upper: number;
  /** Bounds included (`>=`, `<=`) or not (`>`, `<`). */
  inclusive: boolean;
}

export function serverInterval(filter: RangeFilter, bucket: TimeRange): ServerInterval {
  const bounds = rangeFilterValue(filter, bucket);
  return { lower: Number(bounds.$gt), upper: Number(bounds.$lt), inclusive: filter.inclusive };
}
