/**
 * Extract: reading SEI. The HTTP client, its request budget and retries (sei/), the requests of a
 * list (list-request.ts, built from a declaration by list-source.ts), the walks (keyset-walk.ts by
 * time, whole-list-walk.ts), slicing, time ranges, the first-request gate, the snapshots answers come
 * from, the route an endpoint answers on (routes.ts), and the list of a broken endpoint derived from
 * the warehouse instead (derived-list.ts).
 */

export { knownFailure } from './derived-list.js';
export { type ListAnswer, type ListSource, listPage } from './list-request.js';
export { listSourceOf } from './list-source.js';
export { createSeiClient, type ListClient, type SeiClient, type SeiExchange } from './sei/client.js';
export { SeiError } from './sei/errors.js';
export { rateLimitCostLine } from './sei/rate-limit-cost.js';
export { RedisRequestBudget } from './sei/redis-budget.js';
export { TokenBucketBudget } from './sei/token-bucket.js';
export { sliceShape } from './slicing.js';
export { EARLIEST_SECOND, rangeFilterValue, type TimeRange, windowFilter } from './time-range.js';
export { WHOLE_LIST_PAGE_SIZE } from './whole-list-walk.js';
