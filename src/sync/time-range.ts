/**
 * Time windows of a keyset walk, in whole epoch seconds (the unit of every SEI range filter), and how
 * each endpoint wants them written in a request.
 */
import type { ListFilter } from '../sei/types.js';
import { EPOCH_UNIT_THRESHOLD } from '../streams/normalize.js';
import type { KeysetCursor, RangeFilter } from '../streams/types.js';

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
 * The cursor instant of a record in whole seconds, or undefined when it has none.
 */
export function recordSecond(cursor: KeysetCursor, record: Record<string, unknown>): number | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const raw = record[cursor.recordField];
  const value =
    typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(value) || value <= 0) return undefined;
  // The same reading as the normalizers' (EPOCH_UNIT_THRESHOLD): a unit that changed is not a new instant.
  const ms =
    cursor.recordUnit === 'ms'
      ? value < EPOCH_UNIT_THRESHOLD
        ? value * 1000
        : value
      : value > EPOCH_UNIT_THRESHOLD
        ? value
        : value * 1000;
  return Math.floor(ms / 1000);
}

export const toEpochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
export const fromEpochSeconds = (seconds: number): Date => new Date(seconds * 1000);
