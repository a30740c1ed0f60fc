/**
 * The periods of an export: whole calendar periods (UTC) that meet the date range, not clipped to it
 * (CHOSEN: the docs do not say). Weeks start on Monday; sprints are two weeks from Monday 2024-01-01.
 */
export type Granularity = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'QUARTERLY' | 'SPRINT';

export interface Period {
  /** yyyy-MM-dd, inclusive. */
  start: string;
  end: string;
  /** Sprints only: "Sprint 12". */
  sprint?: string;
}

const DAY_MS = 86_400_000;
const SPRINT_EPOCH_MS = Date.UTC(2024, 0, 1);

export const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** yyyy-MM-dd → ms at UTC midnight, or undefined when not a real date in that form. */
export function parseIsoDate(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || isoDate(ms) !== text ? undefined : ms;
}

/** The start (ms) of the period holding `ms`, and the start of the next one. */
function bounds(granularity: Granularity, ms: number): [number, number] {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (granularity) {
    case 'DAILY':
      return [ms, ms + DAY_MS];
    case 'WEEKLY': {
      const start = ms - ((d.getUTCDay() + 6) % 7) * DAY_MS;
      return [start, start + 7 * DAY_MS];
    }
    case 'MONTHLY':
      return [Date.UTC(y, m, 1), Date.UTC(y, m + 1, 1)];
    case 'QUARTERLY': {
      const q = m - (m % 3);
      return [Date.UTC(y, q, 1), Date.UTC(y, q + 3, 1)];
    }
    case 'SPRINT': {
      const start = SPRINT_EPOCH_MS + Math.floor((ms - SPRINT_EPOCH_MS) / (14 * DAY_MS)) * 14 * DAY_MS;
      return [start, start + 14 * DAY_MS];
    }
  }
}

export function periodsOf(granularity: Granularity, startMs: number, endMs: number): Period[] {
  const periods: Period[] = [];
  for (let at = startMs; at <= endMs; ) {
    const [start, next] = bounds(granularity, at);
    const period: Period = { start: isoDate(start), end: isoDate(next - DAY_MS) };
    if (granularity === 'SPRINT')
      period.sprint = `Sprint ${1 + Math.round((start - SPRINT_EPOCH_MS) / (14 * DAY_MS))}`;
    periods.push(period);
    at = next;
  }
  return periods;
}
