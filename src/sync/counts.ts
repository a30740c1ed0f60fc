import type { StreamCounts } from './types.js';

/** A stream run that has done nothing yet. */
export const zeroCounts = (): StreamCounts => ({
  pages: 0,
  records: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  deleted: 0,
  rejected: 0,
  sanitized: 0,
  requests: 0,
  retries: 0,
  rateLimited: 0,
});
