/**
 * Normalize: raw SEI records into rows. One record (record.ts: a storable row or a reject with its
 * reason), one page (page.ts), the value converters every stream's field list uses (convert.ts).
 */
export { type NormalizedPage, normalizePage } from './page.js';
export { normalizeRecord } from './record.js';
