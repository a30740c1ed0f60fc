/**
 * The server's side of a verify. A bucket is counted with one request: page 0 of the bucket's range,
 * one record, the request shape a sync sends (`listPage`, `windowFilter`); `_metadata.total_count`
 * is the count. Where the endpoint gives no count to trust (none at all, or the page's own size as
 * collection categories and org units report it), the bucket is read instead, by the same keyset walk
 * a sync uses but writing nothing, and its distinct keys are counted.
 *
 * Keys are returned as the warehouse stores them (the table key, `keyText`), so that both sides
 * compare: records are normalized the way a page write would, and those that do not normalize are
 * counted as rejects (a sync stores them in `sei_sync.rejects`, not as rows).
 */

import { walkKeyset } from '../extract/keyset-walk.js';
import { type ListAnswer, listPage } from '../extract/list-request.js';
import { listSourceOf, pageSizeOf } from '../extract/list-source.js';
import { snapshotsOf } from '../extract/snapshots.js';
import { EARLIEST_SECOND, recordSecond, type TimeRange, windowFilter } from '../extract/time-range.js';
import { walkWholeList } from '../extract/whole-list-walk.js';
import { normalizePage } from '../normalize/page.js';
import { sliceStart } from '../state/walk-slices.js';
import type {
  FullRefreshStream,
  IncrementalStream,
  KeysetCursor,
  StreamDefinition,
} from '../streams/types.js';
import { booked, noteSnapshots, spend, type VerifyContext } from './context.js';
import type { CountMethod } from './types.js';

export interface KeyRead {
  /** Distinct keys of the records read, as stored (`keyText` of the table key). */
  keys: Set<string>;
  /** Records that do not normalize (a sync rejects them). */
  rejected: number;
}

export interface ServerCount {
  total: number;
  method: CountMethod;
}

/**
 * Page 0 with one record, asked the way the sync asks (its base filter holds the scope's
 * `integration_ids`), in the cursor's `window` when given; booked and its snapshots noted.
 */
async function oneRecord(
  verify: VerifyContext,
  stream: StreamDefinition,
  window: { cursor: KeysetCursor; range: TimeRange } | undefined,
): Promise<ListAnswer> {
  const { ctx, run } = verify;
  const source = listSourceOf(ctx, stream, verify.path);
  const filter = window
    ? windowFilter(source.baseFilter, window.cursor, window.range)
    : (source.baseFilter ?? {});
  const answer = await booked(verify, () =>
    listPage(ctx.client, source, { page: 0, pageSize: 1, filter, signal: run.signal }),
  );
  await spend(verify, answer.cost);
  noteSnapshots(verify, snapshotsOf(stream, answer.records));
  return answer;
}

/** The one-record answer for `range`: its `total_count` (when given) and the first record's instant. */
export async function probeRange(
  verify: VerifyContext,
  stream: IncrementalStream,
  range: TimeRange,
): Promise<{ total: number | undefined; first: number | undefined }> {
  const answer = await oneRecord(verify, stream, { cursor: stream.cursor, range });
  const record = answer.records[0];
  return { total: answer.totalCount, first: record ? recordSecond(stream.cursor, record) : undefined };
}

/** Adds a read part's records to `read`, normalized as a page write would. */
function take(
  verify: VerifyContext,
  read: KeyRead,
  part: { records: readonly unknown[]; stringsKnownStorable: boolean },
): void {
  const stream = verify.run.stream;
  const page = normalizePage(stream, part.records, { stringsKnownStorable: part.stringsKnownStorable });
  for (const key of page.keys) read.keys.add(key);
  read.rejected += page.rejects.length;
  noteSnapshots(verify, snapshotsOf(stream, part.records as Parameters<typeof snapshotsOf>[1]));
}

/** Every record the server lists in `range`, read by the sync's keyset walk, writing nothing. */
export async function readRangeKeys(
  verify: VerifyContext,
  stream: IncrementalStream,
  range: TimeRange,
): Promise<KeyRead> {
  const { ctx, run } = verify;
  const read: KeyRead = { keys: new Set(), rejected: 0 };
  const pages = walkKeyset({
    client: ctx.client,
    source: listSourceOf(ctx, stream, verify.path),
    cursor: stream.cursor,
    range,
    resumeAt: sliceStart(range, stream.cursor.serverOrder),
    pageSize: pageSizeOf(ctx, stream),
    maxRequests: ctx.settings.maxPages,
    signal: run.signal,
    logger: run.log,
  });
  await booked(verify, async () => {
    for await (const page of pages) {
      await spend(verify, page.cost);
      take(verify, read, page);
    }
  });
  return read;
}

/** The whole list, read the way a full-refresh sync reads it (until proven complete), writing nothing. */
export async function readListKeys(
  verify: VerifyContext,
  stream: FullRefreshStream,
): Promise<KeyRead & { clean: boolean }> {
  const { ctx, run } = verify;
  const read: KeyRead = { keys: new Set(), rejected: 0 };
  const parts = walkWholeList({
    client: ctx.client,
    source: listSourceOf(ctx, stream, verify.path),
    pageSize: ctx.settings.pageSize,
    maxRequests: ctx.settings.maxPages,
    signal: run.signal,
    logger: run.log,
  });
  const result = await booked(verify, async () => {
    let next = await parts.next();
    while (!next.done) {
      await spend(verify, next.value.cost);
      take(verify, read, next.value);
      next = await parts.next();
    }
    return next.value;
  });
  return { ...read, clean: result.clean };
}

/** The server's count of one bucket: its `total_count`, or its distinct keys where no count can be trusted. */
export async function countBucket(
  verify: VerifyContext,
  stream: IncrementalStream,
  range: TimeRange,
): Promise<ServerCount> {
  if (stream.totalCount !== 'page') {
    const { total } = await probeRange(verify, stream, range);
    if (total !== undefined) return { total, method: 'total_count' };
  }
  const read = await readRangeKeys(verify, stream, range);
  return { total: read.keys.size, method: 'distinct_keys' };
}

/** The one-record answer of a whole list: its count, unless the endpoint's count is the page's. */
export async function countList(
  verify: VerifyContext,
  stream: FullRefreshStream,
): Promise<number | undefined> {
  if (stream.totalCount === 'page') return undefined;
  return (await oneRecord(verify, stream, undefined)).totalCount;
}

/**
 * The last second a whole-range count asks for: int-sized, the widest bound every list accepts
 * (integrations read bounds as `Integer`), 2038-01-19. Records after it would count as without value.
 */
const LATEST_SECOND = 2 ** 31 - 1;

/**
 * The records the list holds that no range on the cursor field selects (CI/CD runs still running
 * have no `end_time`): its count without that range (the same base filter: scope, snapshot, `across`)
 * minus its count over every second. Undefined where the endpoint gives no count to trust.
 */
export async function countWithoutValue(
  verify: VerifyContext,
  stream: IncrementalStream,
): Promise<number | undefined> {
  if (stream.totalCount === 'page') return undefined;
  const all = (await oneRecord(verify, stream, undefined)).totalCount;
  if (all === undefined) return undefined;
  const { total } = await probeRange(verify, stream, { from: EARLIEST_SECOND, to: LATEST_SECOND });
  return total === undefined ? undefined : all - total;
}
