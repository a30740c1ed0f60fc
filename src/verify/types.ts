/**
 * What a verify finds: per stream, the buckets of its time range with the server's count and the
 * warehouse's count of the same records, and what a heal did about the buckets that differed. The
 * `verify` command, the worker's scheduled verify, `status` and `/metrics` all read these shapes.
 */

import type { ErrorCode } from '../errors.js';
import type { TimeRange } from '../extract/time-range.js';
import type { ListStreamMode, StreamName } from '../streams/types.js';

/** Defaults, defined once. */
export const VERIFY_DEFAULTS = {
  /**
   * A month holding more than this many pages of records is cut into smaller buckets: a bucket that
   * differs is re-walked whole by a heal, so its size is what a heal costs.
   */
  bucketPages: 10,
  /** Rounds of cutting crowded buckets (each cut is counted again). */
  splitRounds: 3,
  /** Parts a crowded bucket is cut into, at most. */
  maxParts: 16,
  /** Heal rounds: walk the differing buckets, count again; buckets that now differ are walked next round. */
  healRounds: 3,
  /** Buckets still differing whose keys are read to name the records (largest differences first). */
  sampledBuckets: 5,
  /** Keys named per side of a bucket that differs. */
  keysPerSample: 5,
  /**
   * Records changed since the last sync are read (keys only) to tell "moved to a later bucket" from
   * "lost"; above this many, that read is skipped and such buckets are reported as differing.
   */
  maxMovedRecords: 200_000,
  /** Reads of the records changed behind a heal before its deletions are given up (like a deleting walk's tails). */
  maxTailReads: 3,
} as const;

/**
 * How a bucket was counted on the server: its `total_count` from a one-record request, or (where the
 * endpoint gives no count to trust) by reading the bucket and counting the distinct keys.
 */
export type CountMethod = 'total_count' | 'distinct_keys';

/**
 * `equal`: both sides hold the same number of records; `differs`: they do not (after a heal: still
 * not); `healed`: differed, and a heal made it equal.
 */
export type BucketOutcome = 'equal' | 'differs' | 'healed';
export const BUCKET_OUTCOMES = ['equal', 'differs', 'healed'] as const satisfies readonly BucketOutcome[];

/** One side's count and the other's, for one bucket. */
export interface BucketCounts {
  /** Records the server lists in the bucket. */
  server: number;
  /** Live warehouse rows whose cursor column lies in the bucket, with the server's bound semantics. */
  warehouse: number;
  /**
   * Warehouse rows counted in the bucket whose record changed on the server after the last sync (it is
   * now later than the cursor): not lost, only not synced yet. `warehouse - moved` is compared.
   */
  moved: number;
}

/** Keys (as stored: the table key, composite parts joined by U+001F) that tell a differing bucket's story. */
export interface KeySample {
  /** The server lists them in the bucket; the warehouse has no live row for them there. */
  missing: string[];
  /** Live warehouse rows in the bucket the server does not list there. */
  extra: string[];
  /** Records of the bucket that do not normalize (stored in `sei_sync.rejects`, not as rows). */
  rejected: number;
}

export interface BucketResult extends BucketCounts {
  /** `[from, to)` in epoch seconds; null for a whole list. */
  range: TimeRange | null;
  method: CountMethod;
  outcome: BucketOutcome;
  /** The first counts, when a heal changed them (the counts above are then the ones after the heal). */
  before: BucketCounts | null;
  /**
   * The keys read of a bucket that differed: the `sampledBuckets` largest differences of a stream, and
   * every bucket whose difference the stream's rejected records may explain.
   */
  sample: KeySample | null;
}

/**
 * The records without a value in the cursor field (CI/CD runs still running have no `end_time`): no
 * range on that field selects them, so no time bucket holds them and a walk by time cannot read them.
 * `equal`: both sides hold as many; `not_readable_by_time`: the server lists more (they are read once
 * they get a value, which is then after the cursor), not a failure; `differs`: the warehouse holds
 * more; `unknown`: the server's count could not be had (no count to trust, or the list refused a
 * request without a range).
 */
export type WithoutValueOutcome = 'equal' | 'not_readable_by_time' | 'differs' | 'unknown';

export interface WithoutValueResult {
  /** Records the list holds that no range on the cursor field selects; null when unknown. */
  server: number | null;
  /** Live rows without a cursor value whose stored record has none either (not a pre-1970 instant). */
  warehouse: number;
  outcome: WithoutValueOutcome;
  /** What the outcome means, in words. */
  note: string;
}

/** What a heal did to a stream. */
export interface HealSummary {
  /** Buckets re-walked through the normal path, over every round. */
  bucketsWalked: number;
  rounds: number;
  /** Records read by the heal's walks. */
  records: number;
  inserted: number;
  updated: number;
  /** Rows marked deleted (rows of walked buckets the server no longer lists anywhere). */
  deleted: number;
  /** True when deletions were decided: every walk was complete and clean and the tail settled. */
  deletionsDecided: boolean;
  /** Why nothing was healed, or why deletions were not decided. */
  note: string | null;
}

/** `clean`: every bucket equal; `differs`; `skipped`: nothing to compare; `failed`: the verify itself failed. */
export type VerifyStatus = 'clean' | 'differs' | 'skipped' | 'failed';

export interface StreamVerifyResult {
  stream: StreamName;
  mode: ListStreamMode;
  status: VerifyStatus;
  /** `distinct_keys` when any bucket was counted by reading it. */
  method: CountMethod;
  /** The warehouse column (and server field) buckets are cut by; null for whole lists. */
  field: string | null;
  /** The range compared, `[from, to)` in epoch seconds (up to the stream's cursor); null for whole lists. */
  range: TimeRange | null;
  buckets: BucketResult[];
  /** The records no time bucket holds (no value in the cursor field); null for whole lists and skips. */
  withoutValue: WithoutValueResult | null;
  /** Requests this verify made (counts, reads, heal walks), retries included. */
  requests: number;
  heal: HealSummary | null;
  /** What this verify could not see or compare, in words. */
  notes: string[];
  /** Why the verify failed (status `failed`) or was skipped. */
  error: { code: ErrorCode; message: string } | null;
}

/** The buckets of a result by outcome. */
export function outcomeCounts(buckets: readonly BucketResult[]): Record<BucketOutcome, number> {
  const counts: Record<BucketOutcome, number> = { equal: 0, differs: 0, healed: 0 };
  for (const bucket of buckets) counts[bucket.outcome]++;
  return counts;
}

/** A verify's stream run, as its ledger row's summary. */
export interface VerifySummary extends Record<BucketOutcome, number> {
  status: VerifyStatus;
  buckets: number;
  heal: HealSummary | null;
}

export function verifySummary(result: StreamVerifyResult): VerifySummary {
  return {
    status: result.status,
    buckets: result.buckets.length,
    ...outcomeCounts(result.buckets),
    heal: result.heal,
  };
}
