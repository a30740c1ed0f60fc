/**
 * Walks the pages of one SEI list endpoint, surviving its quirks (see README, "SEI API notes"):
 *
 * - Stops on an empty page, on a page shorter than the page size, or on `has_next: false`; never on
 *   `total_count` (org units report the records of the current page there). With
 *   `hasNext: 'total_exceeds_page'` (org users) `has_next` is ignored: it stays true past the end.
 * - When `_metadata.page_size` is smaller than requested, the server capped it: that becomes the size a
 *   page must reach to be "full" (logged once as a warning).
 * - A full last page with `has_next: true` costs one more request, which comes back empty.
 * - `maxPages` bounds the walk, so a server that never stops cannot loop us forever
 *   (`stopReason: 'page_limit'`, `complete: false`).
 * - Records seen again within the last `duplicateWindowPages` pages (offset paging over live data
 *   shifts rows) are counted, not removed: the upsert is idempotent, and the counts tell the story.
 * - Changes of `_metadata.total_count` during the walk are recorded (`totalCountDrift`); a total below
 *   the records walked so far (org units' per-page count) is not a total and is not compared.
 * - With `prefetch: 1` page N+1 is requested while the consumer works on page N; no request is made
 *   past a page known to be the last.
 * - Every request sends an explicit `sort` and, through the client, `there_is_no_cache=true`.
 *
 * Pages are yielded as they arrive and never kept. When the walk ends on an empty page, that empty
 * page is yielded too (with `isLast: true`), so the final page of every complete walk says so.
 * Aborting `signal` stops fetching and makes the iteration throw SeiError SEI_ERR_ABORTED
 * (`stopReason: 'aborted'`). Breaking out of the loop early cancels the prefetch and leaves
 * `stopReason` undefined.
 */
import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import type { ListClient, ListRequestBody, ListResult } from './client.js';
import { abortedError, SEI_ERROR_CODES, SeiError } from './errors.js';
import type {
  HasNextSemantics,
  ListFilter,
  ListResponse,
  PageSizeParam,
  SeiRecord,
  SortSpec,
} from './types.js';

export interface PageWalkerOptions<R = SeiRecord> {
  client: ListClient;
  /** Relative to the base URL, e.g. `/v1/jira_issues/list`. */
  path: string;
  /** @defaultValue {} */
  filter?: ListFilter;
  /** Sent on every request: without a sort, offset paging has no stable order. */
  sort: readonly SortSpec[];
  pageSize: number;
  /** @defaultValue 'page_size' */
  pageSizeParam?: PageSizeParam;
  /** @defaultValue 'page_full' */
  hasNext?: HasNextSemantics;
  /** First page to request (0-based), e.g. the page after a checkpoint. @defaultValue 0 */
  startPage?: number;
  /** Most pages this walk may request. @defaultValue 100000 (config `SEI_MAX_PAGES`) */
  maxPages?: number;
  /** Natural key of a record for duplicate detection; records without one are not checked. */
  recordKey?: (record: R) => string | undefined;
  /** Pages requested ahead of the consumer: 1 or 0 (off). @defaultValue 1 */
  prefetch?: number;
  /** How many previous pages a record is checked against for duplicates. @defaultValue 2 */
  duplicateWindowPages?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

export const WALKER_DEFAULTS = {
  pageSizeParam: 'page_size',
  hasNext: 'page_full',
  startPage: 0,
  maxPages: 100_000,
  prefetch: 1,
  duplicateWindowPages: 2,
} as const;

/** Keys kept in `summary.duplicateKeys`. */
export const MAX_REPORTED_DUPLICATE_KEYS = 20;
/** Entries kept in `summary.totalCountDrift` (a drifting total on every page is one story, not 10^5). */
export const MAX_REPORTED_DRIFTS = 100;

export interface WalkedPage<R = SeiRecord> {
  /** The page number sent to SEI. */
  page: number;
  records: R[];
  /** `_metadata.total_count` of this answer, when present (an estimate at best; see the notes). */
  totalCount?: number;
  /** True on the final page of a complete walk. */
  isLast: boolean;
  /** The client proved every string of the page storable as is (`ListResult.stringsKnownStorable`). */
  stringsKnownStorable?: boolean;
}

export type WalkStopReason = 'empty_page' | 'short_page' | 'has_next_false' | 'page_limit' | 'aborted';

export interface TotalCountDrift {
  page: number;
  previous: number;
  current: number;
}

export interface WalkSummary {
  startPage: number;
  /** Pages received (the empty page that ends a walk included). */
  pages: number;
  records: number;
  /** Records whose key was already seen on this page or within the duplicate window. */
  duplicates: number;
  /** The first `MAX_REPORTED_DUPLICATE_KEYS` duplicate keys. */
  duplicateKeys: string[];
  firstDuplicatePage: number | undefined;
  totalCountDrift: TotalCountDrift[];
  /** HTTP requests, retries included. */
  requests: number;
  retries: number;
  rateLimited: number;
  /** True when the walk reached the end (empty page, short page, `has_next: false`). */
  complete: boolean;
  /** Undefined while walking, after an error, or when the consumer stopped early. */
  stopReason: WalkStopReason | undefined;
}

interface Fetched<R> {
  page: number;
  result: ListResult<R>;
}

export class PageWalker<R = SeiRecord> implements AsyncIterable<WalkedPage<R>> {
  readonly summary: WalkSummary;
  readonly #options: PageWalkerOptions<R>;
  readonly #pageSizeParam: PageSizeParam;
  readonly #hasNext: HasNextSemantics;
  readonly #maxPages: number;
  readonly #prefetch: number;
  readonly #windowPages: number;
  readonly #logger: Logger;
  #effectivePageSize: number;
  #started = false;
  /** Key sets of the last pages, newest last. */
  readonly #window: Set<string>[] = [];
  #lastTotalCount: number | undefined;

  constructor(options: PageWalkerOptions<R>) {
    if (!Number.isInteger(options.pageSize) || options.pageSize < 1) {
      throw new RangeError(`pageSize must be a whole number of at least 1 (got ${options.pageSize})`);
    }
    this.#options = options;
    this.#pageSizeParam = options.pageSizeParam ?? WALKER_DEFAULTS.pageSizeParam;
    this.#hasNext = options.hasNext ?? WALKER_DEFAULTS.hasNext;
    this.#maxPages = options.maxPages ?? WALKER_DEFAULTS.maxPages;
    this.#prefetch = Math.min(1, Math.max(0, options.prefetch ?? WALKER_DEFAULTS.prefetch));
    this.#windowPages = Math.max(0, options.duplicateWindowPages ?? WALKER_DEFAULTS.duplicateWindowPages);
    this.#logger = options.logger ?? silentLogger;
    this.#effectivePageSize = options.pageSize;
    const startPage = options.startPage ?? WALKER_DEFAULTS.startPage;
    if (!Number.isInteger(startPage) || startPage < 0) {
      throw new RangeError(`startPage must be a whole number of at least 0 (got ${startPage})`);
    }
    this.summary = {
      startPage,
      pages: 0,
      records: 0,
      duplicates: 0,
      duplicateKeys: [],
      firstDuplicatePage: undefined,
      totalCountDrift: [],
      requests: 0,
      retries: 0,
      rateLimited: 0,
      complete: false,
      stopReason: undefined,
    };
  }

  [Symbol.asyncIterator](): AsyncIterator<WalkedPage<R>> {
    if (this.#started) throw new Error('a PageWalker can be iterated once; create a new one to walk again');
    this.#started = true;
    return this.#walk();
  }

  async *#walk(): AsyncGenerator<WalkedPage<R>> {
    const { signal } = this.#options;
    // Cancels a prefetch when the consumer stops early; follows the caller's signal otherwise.
    const internal = new AbortController();
    const onAbort = () => internal.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let pending: Promise<Fetched<R>> | undefined;
    try {
      let page = this.summary.startPage;
      let requested = 0;
      this.#throwIfAborted(page);
      pending = this.#fetch(page, internal.signal);
      requested++;
      while (pending !== undefined) {
        const fetched = await pending;
        pending = undefined;
        this.#throwIfAborted(fetched.page);
        const walked = this.#accept(fetched);
        page = fetched.page + 1;
        if (walked.isLast) {
          yield walked;
          return;
        }
        if (requested >= this.#maxPages) {
          this.summary.stopReason = 'page_limit';
          this.#logger.warn(
            { path: this.#options.path, page: fetched.page, maxPages: this.#maxPages },
            `page limit of ${this.#maxPages} reached on ${this.#options.path}; the walk is incomplete (raise SEI_MAX_PAGES if the data is really this large)`,
          );
          yield walked;
          return;
        }
        if (this.#prefetch > 0) {
          pending = this.#fetch(page, internal.signal);
          requested++;
          // Until the consumer asks for it, a failure of the prefetch must not be "unhandled".
          pending.catch(() => undefined);
          yield walked;
        } else {
          yield walked;
          this.#throwIfAborted(page);
          pending = this.#fetch(page, internal.signal);
          requested++;
        }
      }
    } catch (error) {
      if (signal?.aborted || (error instanceof SeiError && error.code === SEI_ERROR_CODES.aborted)) {
        this.summary.stopReason = 'aborted';
        this.summary.complete = false;
        throw error instanceof SeiError && error.code === SEI_ERROR_CODES.aborted
          ? error
          : abortedError({ method: 'POST', path: this.#options.path, page: undefined });
      }
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (pending !== undefined) internal.abort();
    }
  }

  #throwIfAborted(page: number): void {
    if (this.#options.signal?.aborted) {
      throw abortedError({ method: 'POST', path: this.#options.path, page });
    }
  }

  async #fetch(page: number, signal: AbortSignal): Promise<Fetched<R>> {
    const { client, path, filter, sort, pageSize } = this.#options;
    const body: ListRequestBody = { page, [this.#pageSizeParam]: pageSize, filter: filter ?? {}, sort };
    try {
      const result = await client.list<R>(path, body, { page, signal });
      return { page, result };
    } catch (error) {
      // A page that failed still cost requests: the stream run's ledger must show them.
      if (error instanceof SeiError && error.attempts !== undefined) {
        this.summary.requests += error.attempts;
        this.summary.retries += Math.max(0, error.attempts - 1);
      }
      throw error;
    }
  }

  /** Books one answer into the summary and decides whether it is the last page. */
  #accept({ page, result }: Fetched<R>): WalkedPage<R> {
    const response: ListResponse<R> = result.response;
    const records = response.records;
    const metadata = response._metadata;
    const summary = this.summary;
    summary.pages++;
    summary.records += records.length;
    summary.requests += result.attempts;
    summary.retries += result.retries;
    summary.rateLimited += result.rateLimited;

    const servedSize = metadata?.page_size;
    if (typeof servedSize === 'number' && servedSize > 0 && servedSize < this.#effectivePageSize) {
      this.#logger.warn(
        { path: this.#options.path, page, requested: this.#options.pageSize, served: servedSize },
        `SEI capped the page size of ${this.#options.path} at ${servedSize} (asked ${this.#options.pageSize}); walking with ${servedSize}`,
      );
      this.#effectivePageSize = servedSize;
    }

    const totalCount = typeof metadata?.total_count === 'number' ? metadata.total_count : undefined;
    // A "total" below the records walked so far is no total (org units echo the page's record count):
    // it would change on the last page of every walk and read as drift, so it is left out of the check.
    const plausibleTotal =
      totalCount !== undefined && totalCount >= page * this.#effectivePageSize + records.length;
    if (totalCount !== undefined && plausibleTotal) {
      if (
        this.#lastTotalCount !== undefined &&
        totalCount !== this.#lastTotalCount &&
        summary.totalCountDrift.length < MAX_REPORTED_DRIFTS
      ) {
        summary.totalCountDrift.push({ page, previous: this.#lastTotalCount, current: totalCount });
      }
      this.#lastTotalCount = totalCount;
    }

    this.#checkDuplicates(page, records);

    let stop: WalkStopReason | undefined;
    if (records.length === 0) stop = 'empty_page';
    else if (records.length < this.#effectivePageSize) stop = 'short_page';
    else if (this.#hasNext === 'page_full' && metadata?.has_next === false) stop = 'has_next_false';
    if (stop !== undefined) {
      summary.stopReason = stop;
      summary.complete = true;
    }
    const walked: WalkedPage<R> = { page, records, isLast: stop !== undefined };
    if (totalCount !== undefined) walked.totalCount = totalCount;
    if (result.stringsKnownStorable !== undefined) walked.stringsKnownStorable = result.stringsKnownStorable;
    return walked;
  }

  #checkDuplicates(page: number, records: readonly R[]): void {
    const keyOf = this.#options.recordKey;
    if (keyOf === undefined) return;
    const summary = this.summary;
    const keys = new Set<string>();
    for (const record of records) {
      const key = keyOf(record);
      if (key === undefined) continue;
      if (keys.has(key) || this.#window.some((previous) => previous.has(key))) {
        summary.duplicates++;
        summary.firstDuplicatePage ??= page;
        if (summary.duplicateKeys.length < MAX_REPORTED_DUPLICATE_KEYS) summary.duplicateKeys.push(key);
      }
      keys.add(key);
    }
    if (this.#windowPages === 0) return;
    this.#window.push(keys);
    if (this.#window.length > this.#windowPages) this.#window.shift();
  }
}
