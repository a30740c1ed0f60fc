/**
 * One list request of a walk, and what it cost. Every walk strategy (keyset slices, single instants,
 * whole lists, counts) asks for pages through here, so the request body is built in one place.
 */
import type { ListCallOptions, ListClient } from './sei/client.js';
import { SeiError } from './sei/errors.js';
import type { ListFilter, PageSizeParam, SeiRecord, SortSpec } from './sei/types.js';

/** What a walk needs to know of an endpoint to ask it for pages. */
export interface ListSource {
  /** The route to ask (a stream's `path`, or the alternative that answered). */
  readonly path: string;
  readonly sort: readonly SortSpec[];
  readonly pageSizeParam: PageSizeParam;
  readonly maxPageSize?: number;
  readonly baseFilter?: ListFilter;
  readonly extraBody?: Readonly<Record<string, unknown>>;
  /** Query parameters besides `there_is_no_cache=true` (`force_source=db`). */
  readonly query?: Readonly<Record<string, string>>;
  /** Statuses not retried: the endpoint is known to answer them (see `StreamBase.fallback`). */
  readonly finalStatuses?: readonly number[];
  /** The natural key of a record (for de-duplication), undefined when it has none. */
  recordKey(record: SeiRecord): string | undefined;
}

export interface RequestCost {
  requests: number;
  retries: number;
  rateLimited: number;
}

export const noCost = (): RequestCost => ({ requests: 0, retries: 0, rateLimited: 0 });

export function addCost(total: RequestCost, more: RequestCost): void {
  total.requests += more.requests;
  total.retries += more.retries;
  total.rateLimited += more.rateLimited;
}

export interface ListAnswer {
  records: SeiRecord[];
  /** `_metadata.total_count`, when the server sent one. */
  totalCount: number | undefined;
  /** The page size the server says it used; smaller than asked when it capped it. */
  servedPageSize: number | undefined;
  cost: RequestCost;
  /** The body held no escape that can make an unstorable string (NUL, a lone surrogate). */
  stringsKnownStorable: boolean;
}

/** The cost of a request that failed (every attempt was a request), for the ledger. */
export function costOfFailure(error: unknown): RequestCost {
  if (error instanceof SeiError && error.attempts !== undefined)
    return { requests: error.attempts, retries: Math.max(0, error.attempts - 1), rateLimited: 0 };
  return noCost();
}

export async function listPage(
  client: ListClient,
  source: ListSource,
  request: {
    page: number;
    pageSize: number;
    filter: ListFilter;
    signal?: AbortSignal | undefined;
    routeProbe?: boolean;
    /** A count (`ListCallOptions.count`). */
    count?: boolean;
    /** Awaited before the body is parsed (`ListCallOptions.beforeParse`). */
    beforeParse?: ListCallOptions['beforeParse'];
  },
): Promise<ListAnswer> {
  const body = {
    ...(source.extraBody ?? {}),
    page: request.page,
    [source.pageSizeParam]: request.pageSize,
    filter: request.filter,
    sort: source.sort,
  };
  const result = await client.list(source.path, body, {
    page: request.page,
    ...(request.signal && { signal: request.signal }),
    ...(source.query && { query: source.query }),
    ...(source.finalStatuses && { finalStatuses: source.finalStatuses }),
    ...(request.routeProbe && { routeProbe: true }),
    ...(request.count && { count: true }),
    ...(request.beforeParse && { beforeParse: request.beforeParse }),
  });
  const metadata = result.response._metadata;
  return {
    records: result.response.records,
    totalCount: typeof metadata?.total_count === 'number' ? metadata.total_count : undefined,
    servedPageSize:
      typeof metadata?.page_size === 'number' && metadata.page_size > 0 ? metadata.page_size : undefined,
    cost: { requests: result.attempts, retries: result.retries, rateLimited: result.rateLimited },
    stringsKnownStorable: result.stringsKnownStorable === true,
  };
}

/** The page size a request really got: what was asked, or less when the server capped it. */
export function effectivePageSize(asked: number, answer: ListAnswer): number {
  return answer.servedPageSize !== undefined && answer.servedPageSize < asked ? answer.servedPageSize : asked;
}
