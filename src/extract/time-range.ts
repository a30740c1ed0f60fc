/**
 * Time windows of a keyset walk, in whole epoch seconds (the unit of every SEI range filter), and how
 * each endpoint wants them written in a request.
 */

import { EPOCH_UNIT_THRESHOLD } from '../normalize/convert.js';
import type { KeysetCursor, RangeFilter } from '../streams/types.js';
import type { ListFilter } from './sei/types.js';

/**
 * Where a walk from the beginning of time starts: SEI lists instants before 1970 (its own data has PRs
 * at `pr_updated_at: -19700`, a Jira issue at `-1`) and filters them like any other, so the first window
 * is not bounded at 0. The bound stays: Elasticsearch-backed tenants apply a range only with both. It
 * is the smallest whose `$gt` (this minus one) the strictest parser takes: integrations read an `int`
 * (1901-12-13T20:45:53Z; the others' `Long` and `to_timestamp` go further, and nothing SEI measures
 * is older).
 */
export const EARLIEST_SECOND = -(2 ** 31) + 1;

/** `[from, to)` in epoch seconds. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/**
 * The filter entry selecting `[from, to)`. Both bounds are always sent: Elasticsearch-backed tenants
 * apply a Jira, work-item or PR range only when both are present. Exclusive endpoints get
 * `$gt: from - 1, $lt: to`; inclusive ones (CI/CD) `$gt: from, $lt: to`, which in their millisecond
 * records also takes the instant `to.000` (a record the next window reads again, harmlessly).
 */
export function rangeFilterValue(filter: RangeFilter, range: TimeRange): Record<string, number | string> {
  const lower = filter.inclusive ? range.from : range.from - 1;
  const upper = range.to;
  return filter.boundType === 'string'
    ? { $gt: String(lower), $lt: String(upper) }
    : { $gt: lower, $lt: upper };
}

/** The whole request filter of a window: the stream's base filter plus the range. */
export function windowFilter(
  baseFilter: ListFilter | undefined,
  cursor: KeysetCursor,
  range: TimeRange,
): ListFilter {
  return { ...(baseFilter ?? {}), [cursor.filter.field]: rangeFilterValue(cursor.filter, range) };
}

/**
 * The second a record's cursor instant belongs to for the walk, or undefined when it has none.
 *
 * SEI compares the bounds, whole seconds, with the record's exact instant (`> to_timestamp(:gt)` on a
 * timestamptz; work items and CI/CD runs carry milliseconds). So each second owns the instants the
 * bound the walk narrows selects exactly: ascending on an exclusive endpoint, `$gt: s - 1` takes
 * every instant after `s - 1`, so second `s` is `(s - 1, s]` (the instant rounded up); ascending on an
 * inclusive one (`>= s`) and descending (`< s + 1`), `[s, s + 1)` (rounded down). The window's other
 * bound then only ever takes extra records beyond the window's far end, which come last in the
 * server's order; none come back before its start.
 */
export function recordSecond(cursor: KeysetCursor, record: Record<string, unknown>): number | undefined {
  const ms = recordMillis(cursor, record);
  if (ms === undefined) return undefined;
  const roundUp = cursor.serverOrder === 'asc' && !cursor.filter.inclusive;
  return roundUp ? Math.ceil(ms / 1000) : Math.floor(ms / 1000);
}

/**
 * The cursor instant of a record in epoch milliseconds, as the server compares it; undefined when it
 * has none. Instants before 1970 count: the server lists and filters them like any other.
 */
function recordMillis(cursor: KeysetCursor, record: Record<string, unknown>): number | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const raw = record[cursor.recordField];
  const value =
    typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(value)) return undefined;
  // The same reading as the normalizers' (EPOCH_UNIT_THRESHOLD): a unit that changed is not a new instant.
  // Whatever the declared unit: seconds below the threshold, milliseconds above it.
  return Math.abs(value) >= EPOCH_UNIT_THRESHOLD ? value : value * 1000;
}

export const toEpochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
export const fromEpochSeconds = (seconds: number): Date => new Date(seconds * 1000);
