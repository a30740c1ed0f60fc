/**
 * Where a run's time went, from its request timeline (./latency-source.ts): starting the run, the plan
 * (the one-record count requests before the first page), the body of the walk, its tail (the time
 * after nine tenths of the records were asked for, when fewer and fewer slices are left to walk), and
 * finishing after the last request.
 */
import { SLICING_DEFAULTS } from '../../src/extract/slicing.js';
import type { TimelineEntry } from './latency-source.js';

export interface TimelineSummary {
  /** Seconds from the run's start (`run-now`) to the first request: starting the run. */
  firstRequestSeconds: number;
  /** Requests before the first page (more records than a count asks for): the plan's counts. */
  planRequests: number;
  /** Seconds from the run's start to the first page request. */
  firstPageSeconds: number;
  /** Seconds from the run's start to the last request. */
  lastRequestSeconds: number;
  /** Seconds from the request that took the records asked for past 90% to the last request. */
  tailSeconds: number;
  /** Distinct slices (a page request's window end) that the last 10% of the records came from. */
  tailSlices: number;
  /** Seconds from the last request to the run seen finished: its last pages, finishing the walk and the run. */
  afterLastRequestSeconds: number;
}

/** The share of the records after which the rest of a walk counts as its tail. */
const TAIL_FROM = 0.9;

const windowEnd = (filter: unknown): string => {
  const bounds =
    filter !== null && typeof filter === 'object' ? Object.values(filter as object)[0] : undefined;
  return JSON.stringify((bounds as { $lt?: unknown } | undefined)?.$lt ?? null);
};

export function summarizeTimeline(
  log: readonly TimelineEntry[],
  run: { startedAtMs: number; endedAtMs: number },
): TimelineSummary {
  const first = log[0]?.at ?? run.startedAtMs;
  const last = log.at(-1)?.at ?? first;
  const seconds = (at: number) => (at - run.startedAtMs) / 1000;
  // A count asks for one record, or a few (a plan from before 1970: SLICING_DEFAULTS).
  const firstPage = log.findIndex((entry) => (entry.pageSize ?? 0) > SLICING_DEFAULTS.firstRecordsBefore1970);
  const total = log.reduce((sum, entry) => sum + entry.records, 0);
  let asked = 0;
  let tailStart = log.length - 1;
  for (let k = 0; k < log.length; k++) {
    asked += log[k]!.records;
    if (asked >= total * TAIL_FROM) {
      tailStart = k;
      break;
    }
  }
  const tail = log.slice(tailStart).filter((entry) => entry.records > 0);
  return {
    firstRequestSeconds: seconds(first),
    planRequests: firstPage < 0 ? log.length : firstPage,
    firstPageSeconds: firstPage < 0 ? 0 : seconds(log[firstPage]!.at),
    lastRequestSeconds: seconds(last),
    tailSeconds: (last - (log[tailStart]?.at ?? last)) / 1000,
    tailSlices: new Set(tail.map((entry) => windowEnd(entry.filter))).size,
    afterLastRequestSeconds: (run.endedAtMs - last) / 1000,
  };
}
