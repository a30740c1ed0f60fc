/**
 * SEI 2.0 ("AI DLC Insights"): its client, org structure, export jobs and their load (docs/sei-v2.md).
 * The engine runs the 2.0 streams through ./walker.ts; commands use what is exported here.
 */
export { V2Client } from './client.js';
export { probeV2, type V2ProbeLine } from './doctor.js';
export type { V2Runtime } from './runtime.js';
export { V2_DEFAULTS, type V2Settings } from './settings.js';
