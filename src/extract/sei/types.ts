/** Wire types of the SEI list API (`POST <base>/v1/<entity>/list`). See README, "SEI API notes". */

/** One sort key; SEI takes a list of them. */
export interface SortSpec {
  id: string;
  desc: boolean;
}

/** `{"$gt": s, "$lt": s}`: exclusive bounds in epoch seconds, as every SEI time-range filter takes them. */
export interface TimeRangeFilter {
  $gt?: number;
  $lt?: number;
}

export type ListFilter = Record<string, unknown>;

/** How an endpoint spells the page size in its request body (collection categories say `pageSize`). */
export type PageSizeParam = 'page_size' | 'pageSize';

/**
 * What `has_next` means on an endpoint: on most it is "this page was full"; on org users it is
 * `total_count > records on this page`, which stays true on the last page and past the end.
 */
export type HasNextSemantics = 'page_full' | 'total_exceeds_page';

export interface ListMetadata {
  page_size?: number;
  page?: number;
  next_page?: number;
  has_next?: boolean;
  total_count?: number;
}

/** SEI omits null fields, so everything but `records` may be missing. */
export interface ListResponse<R = SeiRecord> {
  records: R[];
  count?: number;
  _metadata?: ListMetadata;
  non_users_count?: number;
}

/** A record as SEI sends it: untyped JSON, validated by each stream's normalizer. */
export type SeiRecord = Record<string, unknown>;
