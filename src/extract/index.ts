/**
 * Extract: reading SEI. The HTTP client, its request budget and retries (sei/), the requests of a
 * list (list-request.ts), the walks (keyset-walk.ts by time, whole-list-walk.ts), slicing, time
 * ranges, the first-request gate, the snapshots answers come from.
 */

export { listPage } from './list-request.js';
export { createSeiClient, type ListClient, type SeiExchange } from './sei/client.js';
export { SEI_ERROR_CODES } from './sei/errors.js';
export { rateLimitCostLine } from './sei/rate-limit-cost.js';
export { RedisRequestBudget } from './sei/redis-budget.js';
export { TokenBucketBudget } from './sei/token-bucket.js';
export { sliceShape } from './slicing.js';
export { EARLIEST_SECOND, windowFilter } from './time-range.js';
export { WHOLE_LIST_PAGE_SIZE } from './whole-list-walk.js';
