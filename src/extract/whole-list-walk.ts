/**
 * The walk of a full-refresh list (org users, org units, collection categories): lists without a time
 * filter, whose server order is fixed, ignored or absent (org units have no ORDER BY at all).
 *
 * One request for the whole list is one consistent read, so the page is made large enough to hold it:
 * 10,000 records first, then the server's count (or four times more when its count is no count, as on
 * org units), up to the endpoint's cap. Only a list larger than the cap is paged by offset, and then
 * read again until two reads see the same set of keys: under an unstable order offset pages repeat
 * some records and skip others, and only agreement proves nothing was skipped.
 */

import { SYNC_ERROR_CODES, SyncStreamError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import {
  effectivePageSize,
  type ListAnswer,
  type ListSource,
  listPage,
  type RequestCost,
} from './list-request.js';
import type { ListClient } from './sei/client.js';
import type { SeiRecord } from './sei/types.js';

export interface WholeListOptions {
  client: ListClient;
  source: ListSource;
  /** The configured page size; the walk asks for larger pages when the list is larger. */
  pageSize: number;
  maxRequests: number;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface WholeListPart {
  /** Records not yet yielded by this walk. */
  records: SeiRecord[];
  cost: RequestCost;
  /** The answer held only storable strings (normalization may skip that check). */
  stringsKnownStorable: boolean;
}

export interface WholeListResult {
  /** The keys of the list as the last read saw it. */
  keys: ReadonlySet<string>;
  /** True when the keys are proven complete (one consistent read, or two reads that agree). */
  clean: boolean;
  reads: number;
}

/** First page size asked for a whole list. */
export const WHOLE_LIST_PAGE_SIZE = 10_000;
/** Times the page is enlarged to hold the whole list. */
const MAX_GROWTHS = 4;
/** Offset reads of a list larger than the cap before deletions are skipped for this run. */
export const MAX_LIST_READS = 4;

export async function* walkWholeList(
  options: WholeListOptions,
): AsyncGenerator<WholeListPart, WholeListResult> {
  const cap = options.source.maxPageSize ?? Number.POSITIVE_INFINITY;
  let requests = 0;
  const fetch = (page: number, size: number): Promise<ListAnswer> => {
    requests++;
    if (requests > options.maxRequests)
      throw new SyncStreamError(
        SYNC_ERROR_CODES.pageLimit,
        `${options.source.path}: more than ${options.maxRequests} requests for one list; raise SEI_MAX_PAGES if it is really this large`,
        false,
      );
    return listPage(options.client, options.source, {
      page,
      pageSize: size,
      filter: options.source.baseFilter ?? {},
      signal: options.signal,
    });
  };
  const isFull = (answer: ListAnswer, size: number) =>
    answer.records.length >= effectivePageSize(size, answer);
  const yielded = new Set<string>();
  const fresh = (records: readonly SeiRecord[], keys: Set<string>): SeiRecord[] => {
    const out: SeiRecord[] = [];
    for (const record of records) {
      const key = options.source.recordKey(record);
      if (key !== undefined) keys.add(key);
      if (key === undefined || !yielded.has(key)) out.push(record);
      if (key !== undefined) yielded.add(key);
    }
    return out;
  };

  let size = Math.min(cap, Math.max(options.pageSize, WHOLE_LIST_PAGE_SIZE));
  let first = await fetch(0, size);
  for (let growth = 0; growth < MAX_GROWTHS && isFull(first, size) && size < cap; growth++) {
    // A count above what one page held is a real total (org units echo the page's own size instead).
    const total = first.totalCount ?? 0;
    const next = Math.min(cap, total > first.records.length ? Math.ceil(total * 1.1) + 1 : size * 4);
    yield { records: [], cost: first.cost, stringsKnownStorable: true };
    size = next;
    first = await fetch(0, size);
  }
  if (!isFull(first, size)) {
    const keys = new Set<string>();
    const records = fresh(first.records, keys);
    yield { records, cost: first.cost, stringsKnownStorable: first.stringsKnownStorable };
    return { keys, clean: true, reads: 1 };
  }

  options.logger?.info(
    { path: options.source.path, pageSize: size },
    'list larger than the largest page; reading it by offset until two reads agree',
  );
  let previous: Set<string> | undefined;
  let keys = new Set<string>();
  for (let read = 0; read < MAX_LIST_READS; read++) {
    keys = new Set<string>();
    for (let page = 0; ; page++) {
      const answer = read === 0 && page === 0 ? first : await fetch(page, size);
      yield {
        records: fresh(answer.records, keys),
        cost: answer.cost,
        stringsKnownStorable: answer.stringsKnownStorable,
      };
      if (!isFull(answer, size)) break;
    }
    if (previous !== undefined && sameKeys(previous, keys)) return { keys, clean: true, reads: read + 1 };
    previous = keys;
  }
  return { keys, clean: false, reads: MAX_LIST_READS };
}

function sameKeys(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const key of a) if (!b.has(key)) return false;
  return true;
}
