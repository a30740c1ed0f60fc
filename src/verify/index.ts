/**
 * Verify: comparing the warehouse with SEI's own counts, bucket by bucket, and healing what differs
 * through the sync's walkers.
 */

export type { VerifyPlan } from './plan.js';
export { type LatestVerify, latestVerifies } from './results.js';
export { type RunVerifyResult, runVerify, verifiedClean } from './run-verify.js';
export {
  type BucketCounts,
  type BucketOutcome,
  type BucketResult,
  type CountMethod,
  type HealSummary,
  type KeySample,
  outcomeCounts,
  type StreamVerifyResult,
  type VerifyStatus,
  type WithoutValueOutcome,
  type WithoutValueResult,
} from './types.js';
