/**
 * The slower path a keyset walk falls back to when it cannot prove itself complete for a reason no
 * retry fixes (the server differs from our model: snapshots that never agree, a range filter it
 * ignores, records without the cursor field, an order it does not keep). The walk's window is read
 * as a whole list instead (whole-list-walk.ts: one page as large as the list, or offset pages read
 * again until two reads see the same keys), then the keys read are compared with the server's count
 * of the window, as verify does. Nothing is deleted on this path: it proves less than a walk.
 */
import { SYNC_ERROR_CODES, SyncStreamError } from '../errors.js';
import { costOfFailure, listPage } from '../extract/list-request.js';
import { listSourceOf } from '../extract/list-source.js';
import { EARLIEST_SECOND, toEpochSeconds, windowFilter } from '../extract/time-range.js';
import { walkWholeList } from '../extract/whole-list-walk.js';
import { writeWalkedPage } from '../load/commit-page.js';
import { normalizePage } from '../normalize/page.js';
import type { WalkInProgress } from '../state/checkpoints.js';
import { addToStreamRun } from '../state/ledger.js';
import type { IncrementalStream } from '../streams/types.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';

/** The error codes whose walk is read again as a whole list instead of failing the stream. */
export const DEGRADING_CODES: ReadonlySet<string> = new Set([
  SYNC_ERROR_CODES.noCursor,
  SYNC_ERROR_CODES.filterIgnored,
  SYNC_ERROR_CODES.unsorted,
  SYNC_ERROR_CODES.snapshotChanging,
]);

/** The reason a walk must end by the slower path, when `error` is one no retry fixes. */
export function degradingReason(error: unknown): string | undefined {
  return error instanceof SyncStreamError && DEGRADING_CODES.has(error.code)
    ? `${error.code}: ${error.message}`
    : undefined;
}

export interface DegradedRead {
  /** Distinct keys the last read saw. */
  keys: number;
  /** Two reads agreed (or one page held the list). */
  stable: boolean;
  reads: number;
  /** The server's count of the window, when it gave one. */
  serverCount: number | undefined;
}

/** Reads the walk's window as one list, committing each part; see the module's comment. */
export async function readWindowAsList(
  ctx: EngineContext,
  run: StreamRunContext & { stream: IncrementalStream },
  walk: WalkInProgress,
  path: string,
): Promise<DegradedRead> {
  const { stream, runId } = run;
  const plain = listSourceOf(ctx, stream, path);
  const from = walk.windowStart ? toEpochSeconds(walk.windowStart) : (walk.scope.from ?? EARLIEST_SECOND);
  const to = walk.windowEnd ? toEpochSeconds(walk.windowEnd) : toEpochSeconds(ctx.now()) + 1;
  // The window's filter stays: a server that ignores it answers the whole list, which is read whole.
  const source = { ...plain, baseFilter: windowFilter(plain.baseFilter, stream.cursor, { from, to }) };
  try {
    const parts = walkWholeList({
      client: ctx.client,
      source,
      pageSize: ctx.settings.pageSize,
      maxRequests: ctx.settings.maxPages,
      signal: run.signal,
      logger: run.log,
    });
    let next = await parts.next();
    while (!next.done) {
      const part = next.value;
      await writeWalkedPage(ctx, run, {
        walkId: walk.walkId,
        normalized: normalizePage(stream, part.records, { stringsKnownStorable: part.stringsKnownStorable }),
        records: part.records.length,
        cost: part.cost,
        recordKeys: false,
        snapshots: new Map(),
      });
      next = await parts.next();
    }
    const counted = await listPage(ctx.client, source, {
      page: 0,
      pageSize: 1,
      filter: source.baseFilter,
      signal: run.signal,
    });
    await addToStreamRun(ctx.db, runId, stream.name, counted.cost);
    return {
      keys: next.value.keys.size,
      stable: next.value.clean,
      reads: next.value.reads,
      serverCount: counted.totalCount,
    };
  } catch (error) {
    await addToStreamRun(ctx.db, runId, stream.name, costOfFailure(error)).catch(() => {});
    throw error;
  }
}

/** What the degraded read could show, for the stream's stated reason. */
export function describeDegradedRead(read: DegradedRead): string {
  const agreed = read.stable
    ? read.reads === 1
      ? 'read whole in one page'
      : `read by offset until two reads agreed (${read.reads} reads)`
    : `read by offset ${read.reads} times without two reads agreeing`;
  const count =
    read.serverCount === undefined
      ? 'the server gave no count to check'
      : read.keys >= read.serverCount
        ? `the server's count (${read.serverCount}) matches`
        : `the server counts ${read.serverCount}: run \`sei-sync verify --heal\``;
  return `the window was ${agreed}: ${read.keys} records, ${count}`;
}
