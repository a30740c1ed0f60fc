/**
 * The time ranges DORA requests ask for: whole UTC days ending with the day before `asOf`, `$gt` at the
 * first day's 00:00:00 and `$lt` at the last day's 23:59:59 (strict bounds; a `$gte` at midnight would
 * add a leading day, and today's bucket is not over yet).
 */
const DAY_SECONDS = 86_400;

export interface DayWindow {
  /** `$gt`, epoch seconds: the first day's midnight. */
  gt: number;
  /** `$lt`, epoch seconds: the last day's 23:59:59. */
  lt: number;
}

/** The UTC date of `at`, `YYYY-MM-DD`. */
export const utcDate = (at: Date): string => at.toISOString().slice(0, 10);

/** `days` whole days before the UTC day of `asOf`; never starting before `since` (the backfill horizon). */
export function trailingDays(asOf: Date, days: number, since?: Date): DayWindow {
  const today = Math.floor(asOf.getTime() / 1000 / DAY_SECONDS);
  let first = today - days;
  if (since !== undefined) first = Math.max(first, Math.floor(since.getTime() / 1000 / DAY_SECONDS));
  first = Math.min(first, today - 1);
  return { gt: first * DAY_SECONDS, lt: today * DAY_SECONDS - 1 };
}

/** The body's `{"$gt","$lt"}` (strings, as the UI sends them). */
export const rangeOf = (window: DayWindow) => ({ $gt: String(window.gt), $lt: String(window.lt) });
