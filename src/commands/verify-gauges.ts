/**
 * The verify gauges of a starting worker (`sei_sync_verify_buckets`, the time of the last clean
 * verify), from the verify results in the database: a restarted worker keeps showing a stream whose
 * last verify differs, and how long ago a stream last verified clean, until its next verify.
 */

import type { Executor } from '../load/index.js';
import type { SyncMetrics } from '../observability/metrics.js';
import { latestVerifies } from '../verify/index.js';

export async function seedVerifyGauges(
  metrics: Pick<SyncMetrics, 'verifyBuckets' | 'verifyLastClean'>,
  db: Executor,
): Promise<void> {
  for (const verify of (await latestVerifies(db)).values()) {
    const { stream } = verify;
    if (verify.status === 'clean' || verify.status === 'differs') {
      metrics.verifyBuckets.set({ stream, outcome: 'equal' }, verify.equal);
      metrics.verifyBuckets.set({ stream, outcome: 'differs' }, verify.differing);
      metrics.verifyBuckets.set({ stream, outcome: 'healed' }, verify.healed);
    }
    if (verify.lastCleanAt) metrics.verifyLastClean.set({ stream }, verify.lastCleanAt.getTime() / 1000);
  }
}
