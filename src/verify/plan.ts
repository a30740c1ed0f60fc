/**
 * `verify --plan`: what a verify of a stream would cost, from one request (the same one-record probe
 * of the compared range a verify starts with) and the warehouse. A verify asks one count per bucket:
 * the months between the oldest and the newest record either side knows, the stretches before and
 * after, and the parts crowded months are cut into (estimated from the total: a month over the bucket
 * limit is cut into about twice as many parts as it holds limits). Nothing is written.
 */

import { WHOLE_LIST_PAGE_SIZE } from '../extract/whole-list-walk.js';
import type {
  FullRefreshStream,
  IncrementalStream,
  ListStreamMode,
  StreamDefinition,
} from '../streams/types.js';
import { comparedRange, rangeBuckets } from './compared-range.js';
import type { VerifyContext } from './context.js';
import { countList } from './server-counts.js';
import { bucketLimit } from './tally.js';
import type { CountMethod } from './types.js';

export interface VerifyPlan {
  stream: StreamDefinition['name'];
  mode: ListStreamMode;
  method: CountMethod;
  /** Records the server counts in the compared range (null when it gives no count to trust). */
  records: number | null;
  buckets: number;
  /** Requests of the verify (counts, or reads where counts cannot be trusted); a heal adds its walks. */
  requests: number;
  /** Why nothing would be compared, or what the estimate leaves out. */
  note: string | null;
}

/** A list: one count, or one read of the whole list while it fits the largest page. */
export async function planListVerify(verify: VerifyContext, stream: FullRefreshStream): Promise<VerifyPlan> {
  const total = await countList(verify, stream);
  return {
    stream: stream.name,
    mode: stream.mode,
    method: total === undefined ? 'distinct_keys' : 'total_count',
    records: total ?? null,
    buckets: 1,
    requests: routeProbe(stream) + 1,
    note:
      total === undefined
        ? `the list is read whole (its total_count is the page size): more requests past ${WHOLE_LIST_PAGE_SIZE} records`
        : null,
  };
}

/**
 * A keyset-walked stream: the compared range's one-record probe, one count per bucket, and two for
 * the records without a cursor value.
 */
export async function planBucketVerify(
  verify: VerifyContext,
  stream: IncrementalStream,
): Promise<VerifyPlan> {
  const base = { stream: stream.name, mode: stream.mode, method: 'total_count' as CountMethod };
  const compared = await comparedRange(verify, stream);
  if ('skipped' in compared)
    return { ...base, records: null, buckets: 0, requests: 0, note: compared.skipped };
  const { buckets: months, total } = await rangeBuckets(verify, stream, compared.range);
  const limit = bucketLimit(verify, stream);
  const parts = total === undefined ? 0 : 2 * Math.ceil(total / limit);
  const buckets = months.length + (total !== undefined && total > limit ? parts : 0);
  return {
    ...base,
    records: total ?? null,
    buckets,
    requests: routeProbe(stream) + 1 + buckets + withoutValueCounts(stream),
    note: null,
  };
}

/** The records without a cursor value: the list's count without the range and over every second. */
function withoutValueCounts(stream: IncrementalStream): number {
  return stream.totalCount === 'page' ? 0 : 2;
}

/** A stream with alternative routes asks which one answers first (one request). */
function routeProbe(stream: StreamDefinition): number {
  return stream.alternativePaths?.length ? 1 : 0;
}
