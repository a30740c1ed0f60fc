/**
 * Renormalize: re-deriving rows from the raw records already stored, after a normalizer changed;
 * no API call.
 */

export { renormalizeCheckpoints } from './checkpoints.js';
export { RENORMALIZE_DEFAULTS, renormalize } from './renormalize.js';
