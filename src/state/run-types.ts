/**
 * What the run ledger (`sei_sync.runs`, `sei_sync.stream_runs`) records of runs and stream runs: the
 * types the ledger stores and every driver, command and metric reads.
 */
import type { ErrorCode } from '../errors.js';
import type { AnyStreamName } from '../streams/types.js';

/** What one stream run did; every number is exact. */
export interface StreamCounts {
  pages: number;
  records: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows marked deleted (full-refresh streams, after a complete walk only). */
  deleted: number;
  rejected: number;
  /** Records stored (as a row or a reject) with values changed to be storable (`sei_sync.sanitized_values`). */
  sanitized: number;
  requests: number;
  retries: number;
  /** 429 answers received. */
  rateLimited: number;
}

export interface StreamRunError {
  /** Stable code, e.g. `SEI_ERR_AUTH` (src/errors.ts); a foreign one (a SQLSTATE) is named in `message`. */
  code: ErrorCode;
  /** One line, never containing the API key. */
  message: string;
  /** False when retrying cannot help (bad key, bad request): BullMQ must not retry it. */
  retryable: boolean;
}

/** A stream that succeeded with less than a walk's proof, or whose endpoint this SEI does not serve. */
export interface StreamCondition {
  /**
   * `degraded`: read by a slower path that proves less than a walk (the reason names what the server
   * did); `unavailable`: this SEI answers 404 on the stream's list while other lists answer.
   */
  kind: 'degraded' | 'unavailable';
  /** One line: what the server did, what sei-sync did instead, what (if anything) to do. */
  reason: string;
}

export type StreamRunResult =
  | {
      stream: AnyStreamName;
      status: 'succeeded';
      counts: StreamCounts;
      durationMs: number;
      /** What the counts do not say (an empty list, rows derived from another table). */
      note?: string;
      condition?: StreamCondition;
    }
  | {
      stream: AnyStreamName;
      status: 'failed';
      counts: StreamCounts;
      durationMs: number;
      error: StreamRunError;
    }
  | { stream: AnyStreamName; status: 'not_run'; reason: string };

export interface SyncProgress {
  stream: AnyStreamName;
  /** Pages committed in this stream run. */
  pages: number;
  records: number;
  /** Best estimate of the pages of this walk, when the server reported a total. */
  estimatedPages: number | undefined;
}

/**
 * Who started a run. `renormalize` runs re-derive rows from stored records and call no API; `verify`
 * runs compare the warehouse with the server's counts (and heal some buckets), without moving a cursor.
 */
export type RunTrigger = 'cli' | 'schedule' | 'manual' | 'demo' | 'renormalize' | 'verify';

export const RENORMALIZE_TRIGGER = 'renormalize' satisfies RunTrigger;
export const VERIFY_TRIGGER = 'verify' satisfies RunTrigger;
/** Triggers of runs that are not syncs: freshness and "last sync" never count them. */
export const NON_SYNC_TRIGGERS: readonly RunTrigger[] = [RENORMALIZE_TRIGGER, VERIFY_TRIGGER];

export interface StartRunRequest {
  trigger: RunTrigger;
  streams: readonly AnyStreamName[];
  fullRefresh: boolean;
  /** Reuse this id (a BullMQ parent job id, say) instead of generating one. */
  runId?: string;
  /**
   * The run lives and dies with this process (`sync`, `demo`): its host and pid are recorded and it
   * beats a heartbeat, so that a later run can tell it was killed (./../warehouse/run-owners.ts).
   */
  inProcess?: boolean;
}

export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'interrupted';
