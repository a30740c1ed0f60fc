/**
 * The contract between whoever starts syncs (the `sync` command, the BullMQ processors in jobs/) and
 * the engine that runs them. Both modes call the same `SyncEngine`, so a stream synced by a worker
 * and one synced by `sei-sync sync` go through exactly the same code.
 */
import type { StreamName } from '../streams/types.js';
import type { VerifyPlan } from './verify/plan.js';
import type { StreamVerifyResult } from './verify/types.js';

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
  /** Stable code, e.g. `SEI_ERR_AUTH` (see src/sei/errors.ts). */
  code: string;
  /** One line, never containing the API key. */
  message: string;
  /** False when retrying cannot help (bad key, bad request): BullMQ must not retry it. */
  retryable: boolean;
}

export type StreamRunResult =
  | {
      stream: StreamName;
      status: 'succeeded';
      counts: StreamCounts;
      durationMs: number;
      /** What the counts do not say (an empty list, rows derived from another table). */
      note?: string;
    }
  | { stream: StreamName; status: 'failed'; counts: StreamCounts; durationMs: number; error: StreamRunError }
  | { stream: StreamName; status: 'not_run'; reason: string };

export interface SyncProgress {
  stream: StreamName;
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
  streams: readonly StreamName[];
  fullRefresh: boolean;
  /** Reuse this id (a BullMQ parent job id, say) instead of generating one. */
  runId?: string;
  /**
   * The run lives and dies with this process (`sync`, `demo`): its host and pid are recorded and it
   * beats a heartbeat, so that a later run can tell it was killed (./../warehouse/run-owners.ts).
   */
  inProcess?: boolean;
}

export interface SyncStreamRequest {
  runId: string;
  stream: StreamName;
  /** Re-walk from scratch, ignoring the cursor and the page checkpoint. */
  fullRefresh: boolean;
  /** Aborting stops the walk after the current page commits (or abandons an uncommitted one). */
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
}

export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'interrupted';

/**
 * Where a worker's stream job stands: done (a full-refresh list is synced in one step, a failure ends
 * the stream), or its walk has slices still to walk (as child jobs, by any worker).
 */
export type StreamStep =
  | { kind: 'done'; result: StreamRunResult }
  | {
      kind: 'slices';
      walkId: string;
      /** Which read of the walk's slices this is (0 first; more after a snapshot switch). */
      pass: number;
      /** The run that planned the walk; another run's job continues it only when that run is gone. */
      ownerRunId: string | null;
      /** Slices not yet done. */
      slices: number[];
    };

export interface SliceRequest {
  runId: string;
  stream: StreamName;
  walkId: string;
  sliceNo: number;
  signal?: AbortSignal;
  /** After every committed page of the slice (pages and records of this slice). */
  onProgress?: (progress: SyncProgress) => void;
}

export interface VerifyStreamRequest {
  /**
   * A run with trigger `verify` (its stream run holds the requests and what a heal wrote). What is
   * compared is the engine's scope (SEI_START_DATE, SEI_INTEGRATION_IDS).
   */
  runId: string;
  stream: StreamName;
  /** Re-walk the buckets that differ and verify them again; without it nothing is written. */
  heal: boolean;
  signal?: AbortSignal;
}

export type SliceOutcome = { status: 'done' } | { status: 'failed'; error: StreamRunError };

export interface SyncEngine {
  /** Records a run in `sei_sync.runs` and returns its id. */
  startRun(request: StartRunRequest): Promise<string>;
  /** Syncs one stream to completion (or failure) in this process; never throws for a stream failure, it returns it. */
  syncStream(request: SyncStreamRequest): Promise<StreamRunResult>;
  /** Worker step 1: plans the stream's walk (or continues the one in progress); lists are synced here. */
  beginStream(request: SyncStreamRequest): Promise<StreamStep>;
  /** Worker step 2, any number at once: walks one slice to its end. Never throws; a failure is returned. */
  walkSlice(request: SliceRequest): Promise<SliceOutcome>;
  /** Worker step 3, once every slice is done: a walk to read again, or the stream's result. */
  finishStream(request: SyncStreamRequest): Promise<StreamStep>;
  /**
   * Verifies one stream against the server's own counts, healing what differs when asked, under the
   * stream's lock. Never throws: a failure is a result with status `failed`.
   */
  verifyStream(request: VerifyStreamRequest): Promise<StreamVerifyResult>;
  /** What a verify of the stream would cost (one request; writes nothing). */
  planVerify(request: Pick<VerifyStreamRequest, 'stream' | 'signal'>): Promise<VerifyPlan>;
  /** Closes the run: succeeded, partial (some streams failed) or failed (all failed). */
  finishRun(runId: string, results: readonly StreamRunResult[]): Promise<RunStatus>;
  close(): Promise<void>;
}
