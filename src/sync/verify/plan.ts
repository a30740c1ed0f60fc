/**
 * `verify --plan`: what a verify of a stream would cost, from one request (the same one-record probe
 * of the compared range a verify starts with) and the warehouse. A verify asks one count per bucket:
 * the months between the oldest and the newest record either side knows, the stretches before and
 * after, and the parts crowded months are cut into (estimated from the total: a month over the bucket
 * limit is cut into about twice as many parts as it holds limits). Nothing is written.
 */
import type { IncrementalStream } from '../../streams/types.js';
import { readCheckpoint } from '../../warehouse/checkpoints.js';
import { instantSpan } from '../../warehouse/verify-counts.js';
import { toEpochSeconds } from '../time-range.js';
import { WHOLE_LIST_PAGE_SIZE } from '../whole-list-walk.js';
import { monthBuckets } from './buckets.js';
import type { VerifyContext } from './context.js';
import { cursorCovers } from './scope.js';
import { countList, probeRange } from './server-counts.js';
import { bucketLimit } from './tally.js';
import type { CountMethod } from './types.js';

export interface VerifyPlan {
  stream: IncrementalStream['name'];
  mode: 'incremental' | 'full_refresh';
  method: CountMethod;
  /** Records the server counts in the compared range (null when it gives no count to trust). */
  records: number | null;
  buckets: number;
  /** Requests of the verify (counts, or reads where counts cannot be trusted); a heal adds its walks. */
  requests: number;
  /** Why nothing would be compared, or what the estimate leaves out. */
  note: string | null;
}

export async function planVerify(verify: VerifyContext): Promise<VerifyPlan> {
  const stream = verify.run.stream;
  // A stream with alternative routes asks which one answers first (one request).
  const routeProbe = stream.alternativePaths?.length ? 1 : 0;
  if (stream.mode === 'full_refresh') {
    const total = await countList(verify, stream);
    return {
      stream: stream.name,
      mode: stream.mode,
      method: total === undefined ? 'distinct_keys' : 'total_count',
      records: total ?? null,
      buckets: 1,
      // One count, or one read of the whole list while it fits the largest page.
      requests: routeProbe + 1,
      note:
        total === undefined
          ? `the list is read whole (its total_count is the page size): more requests past ${WHOLE_LIST_PAGE_SIZE} records`
          : null,
    };
  }
  const base = { stream: stream.name, mode: stream.mode, method: 'total_count' as CountMethod };
  const checkpoint = await readCheckpoint(verify.ctx.db, stream.name);
  const cursor =
    checkpoint?.cursor && cursorCovers(checkpoint.cursorScope, verify.scope) ? checkpoint.cursor : null;
  const range = { from: verify.scope.from ?? 0, to: cursor ? toEpochSeconds(cursor) : 0 };
  if (!cursor || range.from >= range.to)
    return {
      ...base,
      records: null,
      buckets: 0,
      requests: 0,
      note: 'nothing to compare: no cursor of this scope (sync it first)',
    };
  const span = await instantSpan(verify.ctx.db, stream.table, stream.cursor.column, verify.rows);
  const probe = await probeRange(verify, stream, range);
  const ascending = stream.cursor.serverOrder === 'asc';
  const months = monthBuckets(range, {
    first:
      ascending && probe.first !== undefined ? Math.min(probe.first, span.first ?? probe.first) : span.first,
    last:
      !ascending && probe.first !== undefined ? Math.max(probe.first, span.last ?? probe.first) : span.last,
  }).length;
  const total = probe.total;
  const limit = bucketLimit(verify, stream);
  const parts = total === undefined ? 0 : 2 * Math.ceil(total / limit);
  const buckets = months + (total !== undefined && total > limit ? parts : 0);
  return {
    ...base,
    records: total ?? null,
    buckets,
    requests: routeProbe + 1 + buckets,
    note: null,
  };
}
