/**
 * The freshness gauge (`sei_sync_stream_last_success_timestamp_seconds`) of a starting worker, from
 * the run ledger. Without it a restarted worker would export no freshness until each stream next
 * succeeds in this very process, and the "stream not synced" alert could not fire for a stream that
 * keeps failing after a deploy. Streams that never succeeded stay absent (a first backfill may take
 * hours; the worker-down and failed-run alerts cover that time).
 */

import type { Executor } from '../load/index.js';
import type { SyncMetrics } from '../observability/metrics.js';
import { lastStreamRuns } from '../state/index.js';

export async function seedFreshnessGauge(
  metrics: Pick<SyncMetrics, 'lastSuccess'>,
  db: Executor,
): Promise<void> {
  const { lastSuccessAt } = await lastStreamRuns(db);
  for (const [stream, at] of lastSuccessAt) metrics.lastSuccess.set({ stream }, at.getTime() / 1000);
}
