/**
 * The keyset walk of one time slice: every request asks page 0 of the window still to read, sorted by
 * the cursor, and the window then narrows to start at the last instant seen. The records of that
 * instant are read again by the next request and de-duplicated by key, so ties in any order cost a
 * few repeats and never a record: nothing is paged by offset, and no page goes deeper than page 0.
 *
 * Why: SEI pages with `OFFSET` over sorts that often have no tiebreaker (PRs, commits, CI/CD runs), so
 * rows sharing a timestamp come back in a new order on every query and offset paging silently skips
 * some; deep offsets also cost the server more on every page.
 *
 * The one exception is an instant holding a whole page (a bulk operation: a bot closing hundreds of PRs
 * in one second, an imported repository): that instant is read on its own with a larger page, and if
 * it is larger still, by offset inside the instant until the keys seen reach the server's count.
 *
 * Ascending walks (the server honours the ascending sort) narrow from the lower end; descending ones
 * (integrations, always `updated_at DESC`) from the upper end. A page is yielded with the point a
 * resumed walk would start from once it is committed.
 *
 * With a page budget, every request first takes a lease (page-budget.ts); a page is yielded with the
 * lease of its answer, for the consumer to release once it is committed. Answers the walk drops (one it
 * reads again, the prefetch of a walk that ends early) give theirs back here.
 */

import { SYNC_ERROR_CODES, SyncStreamError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { KeysetCursor } from '../streams/types.js';
import {
  addCost,
  effectivePageSize,
  type ListAnswer,
  type ListSource,
  listPage,
  noCost,
  type RequestCost,
} from './list-request.js';
import { NO_LEASE, type PageBudget, type PageLease } from './page-budget.js';
import type { ListClient } from './sei/client.js';
import type { SeiRecord } from './sei/types.js';
import { recordSecond, type TimeRange, windowFilter } from './time-range.js';

export interface KeysetWalkOptions {
  client: ListClient;
  source: ListSource;
  cursor: KeysetCursor;
  /** The slice: `[from, to)` in epoch seconds. */
  range: TimeRange;
  /**
   * The slice's bounds now, read before each request and each answer: a thief may narrow them while
   * the walk runs (work-stealing.ts), and the walk then ends at the new bound. @defaultValue `range`
   */
  bounds?: () => TimeRange;
  /** Where to start inside the slice (its lower bound ascending, upper bound descending, or a resume point). */
  resumeAt: number;
  pageSize: number;
  /** Most requests this walk may make; a server that never narrows cannot loop us forever. */
  maxRequests: number;
  signal?: AbortSignal;
  logger?: Logger;
  /** The process's pages in hand; without it the walk takes no leases. */
  pages?: PageBudget;
}

export interface KeysetPage {
  /** Records not yet yielded by this walk (boundary repeats removed). */
  records: SeiRecord[];
  /** Once this page is committed, a resumed walk starts here. */
  resumeAt: number;
  /** The slice is completely read. */
  done: boolean;
  cost: RequestCost;
  /** Every answer behind this page held only storable strings (normalization may skip that check). */
  stringsKnownStorable: boolean;
  /** The page's share of the page budget: release it once the page is committed or dropped. */
  lease: PageLease;
  /** The server's count of what is left in the slice after this page, when the answer carried one. */
  remaining?: number;
}

/** Page size for reading one instant on its own, within the endpoint's cap. */
export const INSTANT_PAGE_SIZE = 10_000;
/** Offset passes over an instant larger than the largest page before giving up. */
export const MAX_INSTANT_PASSES = 8;

/** An answer and the lease it was fetched under. */
interface LeasedAnswer extends ListAnswer {
  lease: PageLease;
}

/**
 * The leases of the answers a walk holds and has not handed over with a page: released when the walk
 * ends, however it ends, and so is a prefetch that lands after that.
 */
class HeldLeases {
  readonly #held = new Set<PageLease>();
  #closed = false;

  hold(lease: PageLease): void {
    if (this.#closed) lease.release();
    else this.#held.add(lease);
  }

  /** The consumer releases it from now on. */
  handOver(answer: LeasedAnswer): PageLease {
    this.#held.delete(answer.lease);
    return answer.lease;
  }

  drop(answer: LeasedAnswer): void {
    this.#held.delete(answer.lease);
    answer.lease.release();
  }

  close(): void {
    this.#closed = true;
    for (const lease of this.#held) lease.release();
    this.#held.clear();
  }
}

interface PlacedRecord {
  record: SeiRecord;
  second: number | undefined;
  key: string | undefined;
}

export async function* walkKeyset(options: KeysetWalkOptions): AsyncGenerator<KeysetPage> {
  const ascending = options.cursor.serverOrder === 'asc';
  const requests = { made: 0, leases: new HeldLeases() };
  let edge = options.resumeAt;
  const bounds = options.bounds ?? (() => options.range);
  const window = (): TimeRange =>
    ascending ? { from: edge, to: bounds().to } : { from: bounds().from, to: edge };
  const isEmpty = (range: TimeRange) => range.from >= range.to;
  /** The records at the edge instant that were already yielded. */
  let boundary = new YieldedRecords();

  if (isEmpty(window())) {
    yield {
      records: [],
      resumeAt: edge,
      done: true,
      cost: noCost(),
      stringsKnownStorable: true,
      lease: NO_LEASE,
    };
    return;
  }
  try {
    let pending = fetchWindow(options, window(), 0, options.pageSize, requests);
    while (true) {
      const answer = await pending;
      // The bounds as they are now: a split while the request was out leaves part of it to the thief.
      const range = window();
      if (isEmpty(range)) {
        yield {
          records: [],
          resumeAt: edge,
          done: true,
          cost: answer.cost,
          stringsKnownStorable: answer.stringsKnownStorable,
          lease: requests.leases.handOver(answer),
        };
        return;
      }
      const { placed, beyond } = placeRecords(options, answer.records, range);
      const full = answer.records.length >= effectivePageSize(options.pageSize, answer);
      // A record past the window's far end comes after all of the window's own (the server's order).
      if (!full || beyond) {
        yield {
          records: fresh(placed, boundary),
          resumeAt: ascending ? range.to : range.from,
          done: true,
          cost: answer.cost,
          stringsKnownStorable: answer.stringsKnownStorable,
          lease: requests.leases.handOver(answer),
          remaining: 0,
        };
        return;
      }
      const far = farInstant(placed, ascending);
      if (far === undefined) throw unplaceable(options, answer.records, range);
      const edgeInstant = ascending ? range.from : range.to - 1;
      if (far !== edgeInstant) {
        const records = fresh(placed, boundary);
        const atFar = placed.filter((entry) => entry.second === far);
        boundary = YieldedRecords.of(atFar);
        edge = ascending ? far : far + 1;
        // Ask for the next window while the consumer writes this page.
        pending = fetchWindow(options, window(), 0, options.pageSize, requests);
        pending.catch(() => undefined);
        yield {
          records,
          resumeAt: edge,
          done: false,
          cost: answer.cost,
          stringsKnownStorable: answer.stringsKnownStorable,
          lease: requests.leases.handOver(answer),
          // The window's count less what this page read for good (the far instant is read again).
          ...(answer.totalCount !== undefined && {
            remaining: Math.max(0, answer.totalCount - (placed.length - atFar.length)),
          }),
        };
        // The consumer has the page; this frame waits next for the prefetch, and a suspended generator
        // keeps every local, dead or not (V8 saves its whole register file): the answer's records would
        // stay alive until the next answer replaced them, a page per slice beyond the pages in hand.
        // Emptied here, the consumer's `records` is the page's only copy (issue 24: the 1M peak).
        forget(answer, placed);
        continue;
      }
      // A full page inside one instant: read the instant on its own, then step past it.
      const after = ascending ? far + 1 : far;
      let cost = answer.cost;
      requests.leases.drop(answer);
      forget(answer, placed);
      for await (const part of readInstant(options, far, boundary, requests)) {
        addCost(part.cost, cost);
        cost = noCost();
        yield {
          records: part.records,
          resumeAt: part.complete ? after : edge,
          done:
            part.complete &&
            isEmpty(ascending ? { from: after, to: bounds().to } : { from: bounds().from, to: after }),
          cost: part.cost,
          stringsKnownStorable: part.stringsKnownStorable,
          lease: part.lease,
        };
      }
      edge = after;
      boundary = new YieldedRecords();
      if (isEmpty(window())) return;
      pending = fetchWindow(options, window(), 0, options.pageSize, requests);
    }
  } finally {
    // However the walk ends: what it holds and the prefetch still under way go back to the budget.
    requests.leases.close();
  }
}

/**
 * Every record of one instant, in parts: one large page when the instant fits in one (or in one the
 * size of the server's count, where no cap is known), else offset pages inside the instant, repeated
 * until the distinct keys reach the server's count. The last part says `complete`.
 */
async function* readInstant(
  options: KeysetWalkOptions,
  instant: number,
  alreadyYielded: YieldedRecords,
  requests: WalkRequests,
): AsyncGenerator<{
  records: SeiRecord[];
  cost: RequestCost;
  complete: boolean;
  stringsKnownStorable: boolean;
  lease: PageLease;
}> {
  const range = { from: instant, to: instant + 1 };
  const cap = options.source.maxPageSize ?? Number.POSITIVE_INFINITY;
  let size = Math.min(cap, Math.max(options.pageSize, INSTANT_PAGE_SIZE));
  let answer = await fetchWindow(options, range, 0, size, requests);
  const cost = noCost();
  addCost(cost, answer.cost);
  const seen = alreadyYielded.copy();
  /**
   * Keys seen by this read, to compare with the server's count: all the request selects, which on
   * sub-second instants is more than the instant (the next second's records read by the next window).
   */
  const instantKeys = new Set<string>();
  const take = (records: readonly SeiRecord[]): SeiRecord[] => {
    for (const record of records) {
      const key = options.source.recordKey(record);
      if (key !== undefined) instantKeys.add(key);
    }
    const { placed } = placeRecords(options, records, range);
    const out = fresh(placed, seen);
    seen.addAll(placed);
    return out;
  };
  const isFull = (a: ListAnswer, asked: number) => a.records.length >= effectivePageSize(asked, a);

  if (isFull(answer, size) && cap === Number.POSITIVE_INFINITY && (answer.totalCount ?? 0) > size) {
    // No cap is known here: one page the size of the instant is one consistent read of it.
    size = answer.totalCount as number;
    requests.leases.drop(answer);
    answer = await fetchWindow(options, range, 0, size, requests);
    addCost(cost, answer.cost);
  }
  if (!isFull(answer, size)) {
    yield {
      records: take(answer.records),
      cost,
      complete: true,
      stringsKnownStorable: answer.stringsKnownStorable,
      lease: requests.leases.handOver(answer),
    };
    return;
  }
  options.logger?.info(
    { path: options.source.path, instant, total: answer.totalCount, pageSize: size },
    'one instant holds more records than the largest page; reading it by offset until the count is reached',
  );
  let total = answer.totalCount;
  yield {
    records: take(answer.records),
    cost,
    complete: false,
    stringsKnownStorable: answer.stringsKnownStorable,
    lease: requests.leases.handOver(answer),
  };
  // Handed over: not kept alive by this frame for the rest of the instant (see `forget`).
  answer.records.length = 0;
  for (let pass = 0; pass < MAX_INSTANT_PASSES; pass++) {
    const before = instantKeys.size;
    for (let page = pass === 0 ? 1 : 0; ; page++) {
      const next = await fetchWindow(options, range, page, size, requests);
      total = next.totalCount ?? total;
      const full = isFull(next, size);
      yield {
        records: take(next.records),
        cost: next.cost,
        complete: false,
        stringsKnownStorable: next.stringsKnownStorable,
        lease: requests.leases.handOver(next),
      };
      next.records.length = 0;
      if (total !== undefined && instantKeys.size >= total) break;
      if (!full) break;
    }
    const converged =
      total !== undefined ? instantKeys.size >= total : pass > 0 && instantKeys.size === before;
    if (converged) {
      yield { records: [], cost: noCost(), complete: true, stringsKnownStorable: true, lease: NO_LEASE };
      return;
    }
  }
  throw new SyncStreamError(
    SYNC_ERROR_CODES.unstableInstant,
    `${options.source.path}: ${instantKeys.size} of ${total ?? 'an unknown number of'} records sharing ${options.cursor.recordField} = ${new Date(instant * 1000).toISOString()} were seen after ${MAX_INSTANT_PASSES} passes (the server returns them in a new order on every query); the next run tries again`,
    true,
  );
}

/** What one walk has asked so far: requests made (against `maxRequests`) and leases held. */
interface WalkRequests {
  made: number;
  leases: HeldLeases;
}

async function fetchWindow(
  options: KeysetWalkOptions,
  range: TimeRange,
  page: number,
  pageSize: number,
  requests: WalkRequests,
): Promise<LeasedAnswer> {
  if (requests.made >= options.maxRequests)
    throw new SyncStreamError(
      SYNC_ERROR_CODES.pageLimit,
      `${options.source.path}: a time slice took more than ${options.maxRequests} requests; raise SEI_MAX_PAGES if the data is really this large`,
      false,
    );
  requests.made++;
  // A larger page (an instant read on its own) weighs as many pages as it asks records.
  const lease = options.pages
    ? await options.pages.acquire(pageSize / options.pageSize, options.signal, options.source.path)
    : NO_LEASE;
  let answer: ListAnswer;
  try {
    answer = await listPage(options.client, options.source, {
      page,
      pageSize,
      filter: windowFilter(options.source.baseFilter, options.cursor, range),
      signal: options.signal,
      beforeParse: (signal) => lease.parsing(signal, options.source.path),
    });
  } catch (error) {
    lease.release();
    throw error;
  }
  requests.leases.hold(lease);
  return { ...answer, lease };
}

/**
 * The records with their instant and key, in the order served; records outside the window (a bound
 * that also takes part of the next second: `to.000` inclusive, `(to - 1, to)` exclusive) are left to
 * the window that owns them, and `beyond` says some lay past its far end. Checks that the server kept
 * the order the walk relies on.
 */
function placeRecords(
  options: KeysetWalkOptions,
  records: readonly SeiRecord[],
  range: TimeRange,
): { placed: PlacedRecord[]; beyond: boolean } {
  const ascending = options.cursor.serverOrder === 'asc';
  const out: PlacedRecord[] = [];
  let beyond = false;
  let previous: number | undefined;
  for (const record of records) {
    const second = recordSecond(options.cursor, record);
    if (second !== undefined) {
      if (previous !== undefined && (ascending ? second < previous : second > previous))
        throw new SyncStreamError(
          SYNC_ERROR_CODES.unsorted,
          `${options.source.path} did not return ${options.cursor.recordField} in ${ascending ? 'ascending' : 'descending'} order; the time walk relies on it (report this: the server's ordering changed)`,
          false,
        );
      previous = second;
      if (second < range.from || second >= range.to) {
        if (ascending ? second >= range.to : second < range.from) beyond = true;
        continue;
      }
    }
    out.push({ record, second, key: options.source.recordKey(record) });
  }
  return { placed: out, beyond };
}

/**
 * Why a full page left the walk nothing to narrow on: its records were all outside the window asked
 * for (the server ignored the range filter), or none carried the cursor field at all.
 */
function unplaceable(
  options: KeysetWalkOptions,
  records: readonly SeiRecord[],
  range: TimeRange,
): SyncStreamError {
  const field = options.cursor.recordField;
  const outside = records
    .map((record) => recordSecond(options.cursor, record))
    .find((second) => second !== undefined);
  const iso = (second: number) => new Date(second * 1000).toISOString();
  if (outside !== undefined)
    return new SyncStreamError(
      SYNC_ERROR_CODES.filterIgnored,
      `${options.source.path}: the server ignored the ${options.cursor.filter.field} range filter: a full page of records outside the window asked for came back (${field} ${iso(outside)}, window ${iso(range.from)} to ${iso(range.to)})`,
      false,
    );
  return new SyncStreamError(
    SYNC_ERROR_CODES.noCursor,
    `${options.source.path} returned a full page without ${field} on any record; the time walk cannot continue`,
    false,
  );
}

/**
 * Drops what this walk's frame holds of an answer it has handed over or dropped: a suspended generator
 * keeps every local alive until it is overwritten, so emptying the arrays is what lets them go.
 */
function forget(answer: ListAnswer, placed: PlacedRecord[]): void {
  answer.records.length = 0;
  placed.length = 0;
}

/** The instant at the far end of the page: the last one read, where the next window starts. */
function farInstant(placed: readonly PlacedRecord[], ascending: boolean): number | undefined {
  let far: number | undefined;
  for (const { second } of placed) {
    if (second === undefined) continue;
    if (far === undefined || (ascending ? second > far : second < far)) far = second;
  }
  return far;
}

/** The records not yet yielded (a record without a key cannot repeat one, and always passes). */
function fresh(placed: readonly PlacedRecord[], yielded: YieldedRecords): PlacedRecord['record'][] {
  const out: SeiRecord[] = [];
  for (const entry of placed) if (!yielded.has(entry)) out.push(entry.record);
  return out;
}

/**
 * Records already yielded, by key. A record read again is skipped only when it is the same record:
 * same key and same content. Two different records sharing a key (a hostile answer) both pass, so the
 * upsert keeps the last as it would within one page. Contents are compared only for repeated keys,
 * which are the few records of a boundary instant.
 */
class YieldedRecords {
  readonly #byKey = new Map<string, SeiRecord>();

  static of(placed: readonly PlacedRecord[]): YieldedRecords {
    const yielded = new YieldedRecords();
    yielded.addAll(placed);
    return yielded;
  }

  has(entry: PlacedRecord): boolean {
    if (entry.key === undefined) return false;
    const earlier = this.#byKey.get(entry.key);
    return (
      earlier !== undefined &&
      (earlier === entry.record || JSON.stringify(earlier) === JSON.stringify(entry.record))
    );
  }

  addAll(placed: readonly PlacedRecord[]): void {
    for (const entry of placed) if (entry.key !== undefined) this.#byKey.set(entry.key, entry.record);
  }

  copy(): YieldedRecords {
    const copy = new YieldedRecords();
    for (const [key, record] of this.#byKey) copy.#byKey.set(key, record);
    return copy;
  }
}
