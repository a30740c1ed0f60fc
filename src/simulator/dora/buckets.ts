/**
 * DoraCalculationUtils as the server runs it: per-UTC-day counts filled over the range, rolled up to
 * ISO weeks and months, and the stats with their bands (docs/sei-dora-server.md §3).
 */

const DAY_SECONDS = 86_400;

/** The request's range: strict bounds in epoch seconds (`$gte`/`$lte` already widened by one). */
export interface TimeRange {
  gt: number;
  lt: number;
}

export interface Bucket {
  key: number;
  count: number;
  additional_key: string;
}

export interface TimeSeries {
  day: Bucket[];
  week: Bucket[];
  month: Bucket[];
}

export type Band = 'ELITE' | 'HIGH' | 'MEDIUM' | 'LOW';

const epochDay = (seconds: number) => Math.floor(seconds / DAY_SECONDS);

/** The epoch day of the instant `seconds` (fractional for ms records). */
export const dayOf = epochDay;

/** `dd-MM-yyyy` of an epoch day, as the server formats `additional_key`. */
function ddMMyyyy(day: number): string {
  const date = new Date(day * DAY_SECONDS * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getUTCDate())}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCFullYear(), 4)}`;
}

/** Monday on or before the day (1970-01-01 was a Thursday). */
function mondayOf(day: number): number {
  const weekday = (((day + 3) % 7) + 7) % 7; // 0 = Monday
  return day - weekday;
}

function firstOfMonth(day: number): number {
  const date = new Date(day * DAY_SECONDS * 1000);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / 1000 / DAY_SECONDS;
}

/**
 * `fillRemainingDates` then `convertTimeSeries`: every UTC day from date($gt) to date($lt), both
 * inclusive (0 when nothing happened), then summed per Monday week and per month. Days outside that
 * list are dropped; the first and last week or month are partial.
 */
export function timeSeries(perDay: ReadonlyMap<number, number>, range: TimeRange): TimeSeries {
  const first = epochDay(range.gt);
  const last = epochDay(range.lt);
  const rollUp = (startOf: (day: number) => number): Bucket[] => {
    const sums = new Map<number, number>();
    for (let day = first; day <= last; day++) {
      const start = startOf(day);
      sums.set(start, (sums.get(start) ?? 0) + (perDay.get(day) ?? 0));
    }
    return [...sums]
      .sort(([a], [b]) => a - b)
      .map(([start, count]) => ({ key: start * DAY_SECONDS, count, additional_key: ddMMyyyy(start) }));
  };
  return { day: rollUp((day) => day), week: rollUp(mondayOf), month: rollUp(firstOfMonth) };
}

/** The sum of the filled days. */
export function totalOf(series: TimeSeries): number {
  return series.day.reduce((sum, bucket) => sum + bucket.count, 0);
}

/** `calculateDeploymentFrequencyBand(perDay)`. */
export function deploymentFrequencyBand(perDay: number): Band {
  if (perDay > 1) return 'ELITE';
  if (perDay * 7 >= 1) return 'HIGH';
  if (perDay * 30 >= 1) return 'MEDIUM';
  return 'LOW';
}

/** `calculateChangeFailureRateBand(rate)`, rate a percentage. */
export function changeFailureRateBand(rate: number): Band {
  if (rate <= 15) return 'ELITE';
  if (rate <= 30) return 'HIGH';
  if (rate <= 45) return 'MEDIUM';
  return 'LOW';
}

/** Deployment frequency stats: per day over `ceil(($lt - $gt) / 1 day)` days, week = ×7, month = ×30. */
export function deploymentFrequencyStats(total: number, range: TimeRange) {
  const days = Math.ceil((range.lt - range.gt) / DAY_SECONDS);
  const perDay = total / days;
  return {
    count_per_day: perDay,
    count_per_week: perDay * 7,
    count_per_month: perDay * 30,
    band: deploymentFrequencyBand(perDay),
    total_deployment: total,
  };
}

/** Change failure rate stats; `total` is undefined when the profile counts failures absolutely. */
export function changeFailureRateStats(failed: number, total: number | undefined) {
  if (total === undefined) return { total_deployment: failed, is_absolute: true };
  const rate = failed === 0 ? 0 : (failed * 100) / total;
  return {
    failure_rate: rate,
    band: changeFailureRateBand(rate),
    total_deployment: total,
    is_absolute: false,
  };
}
