/** SEI's own DORA per collection, snapshotted: the walker (wired in src/sync/walkers/index.ts) and the plan. */
export { DORA_DEFAULTS, type DoraSettings } from './defaults.js';
export { countCollections, doraPlan } from './plan.js';
