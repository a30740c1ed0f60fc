export type { ReplayFallback } from './fallback.js';
export { canonicalJson, requestKey } from './matching.js';
export {
  type ReplayMiss,
  type ReplayOptions,
  type ReplayServed,
  type ReplayServer,
  startReplayServer,
} from './server.js';
