/**
 * Load: writing a normalized page. One module commits a page (commit-page.ts); below it the write
 * paths (COPY, jsonb), merge, history, deletions, rejects and sanitized values.
 */
export type { Executor } from './upsert.js';
