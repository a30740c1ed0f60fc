/**
 * The server's count of a stream's records in a time window, from a one-record request (its
 * `_metadata.total_count`): what the planner cuts slices by, and where a thief splits a running slice.
 */
import {
  costOfFailure,
  type ListAnswer,
  type ListSource,
  listPage,
  type RequestCost,
} from '../extract/list-request.js';
import { type TimeRange, windowFilter } from '../extract/time-range.js';
import { addToStreamRun } from '../state/ledger.js';
import type { IncrementalStream } from '../streams/types.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';

export interface WindowCount {
  answer: ListAnswer;
  /** Undefined when the server gave no count. */
  total: number | undefined;
  cost: RequestCost;
}

/**
 * Counts `range`, the answer holding its first `records` records (one unless asked); a failed
 * request's cost is booked to the stream run before the error is thrown.
 */
export async function countWindow(
  ctx: EngineContext,
  run: StreamRunContext<IncrementalStream>,
  source: ListSource,
  range: TimeRange,
  records = 1,
): Promise<WindowCount> {
  try {
    const answer = await listPage(ctx.client, source, {
      page: 0,
      pageSize: records,
      filter: windowFilter(source.baseFilter, run.stream.cursor, range),
      signal: run.signal,
      count: true,
    });
    return { answer, total: answer.totalCount, cost: answer.cost };
  } catch (error) {
    // A request that failed still cost requests: the ledger shows them.
    await addToStreamRun(ctx.db, run.runId, run.stream.name, costOfFailure(error)).catch(() => {});
    throw error;
  }
}
