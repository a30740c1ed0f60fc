/**
 * Where a stream's walk starts and which time window it covers, derived from its checkpoint.
 *
 * Incremental streams walk `(cursor - lookback, windowEnd)`, with `windowEnd` fixed when the walk
 * starts, so records updated while we walk are left for the next run instead of shifting this one.
 * A walk interrupted by a crash resumes at its next page with the same window.
 */
import type { ListFilter } from '../sei/types.js';
import type { StreamDefinition } from '../streams/types.js';

/** The part of `sei_sync.checkpoints` a plan depends on. */
export interface CheckpointState {
  /** High-water mark: everything updated before it has been walked. */
  cursor: Date | null;
  /** Page to resume at; null when no walk is in progress. */
  nextPage: number | null;
  windowStart: Date | null;
  windowEnd: Date | null;
}

export interface WalkPlan {
  startPage: number;
  /** True when this continues an interrupted walk. */
  resumed: boolean;
  /** Exclusive lower bound; null walks from the beginning of time. */
  windowStart: Date | null;
  /** Exclusive upper bound; null for full-refresh streams. */
  windowEnd: Date | null;
}

export interface PlanOptions {
  fullRefresh: boolean;
  now: Date;
  lookbackSeconds: number;
}

export function planWalk(
  stream: StreamDefinition,
  checkpoint: CheckpointState | undefined,
  options: PlanOptions,
): WalkPlan {
  if (!options.fullRefresh && checkpoint?.nextPage != null) {
    return {
      startPage: checkpoint.nextPage,
      resumed: true,
      windowStart: checkpoint.windowStart,
      windowEnd: checkpoint.windowEnd,
    };
  }
  if (stream.mode === 'full_refresh') {
    return { startPage: 0, resumed: false, windowStart: null, windowEnd: null };
  }
  const cursor = options.fullRefresh ? null : (checkpoint?.cursor ?? null);
  return {
    startPage: 0,
    resumed: false,
    windowStart: cursor === null ? null : new Date(cursor.getTime() - options.lookbackSeconds * 1000),
    windowEnd: options.now,
  };
}

const toEpochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** The request filter of a walk: the stream's base filter plus the incremental time range. */
export function walkFilter(stream: StreamDefinition, plan: WalkPlan): ListFilter {
  const filter: ListFilter = { ...(stream.baseFilter ?? {}) };
  if (stream.mode === 'incremental' && plan.windowEnd !== null) {
    const range: { $gt?: number; $lt: number } = { $lt: toEpochSeconds(plan.windowEnd) + 1 };
    // `$gt` is exclusive and SEI filters in whole seconds: subtract one so a record updated exactly at
    // the window start is walked again rather than missed (re-reading it costs nothing: unchanged rows are not rewritten).
    if (plan.windowStart !== null) range.$gt = toEpochSeconds(plan.windowStart) - 1;
    filter[stream.cursor.filterField] = range;
  }
  return filter;
}
