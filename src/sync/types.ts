/**
 * The contract between whoever starts syncs (the `sync` command, the BullMQ processors in jobs/) and
 * the engine that runs them. Both modes call the same `SyncEngine`, so a stream synced by a worker
 * and one synced by `sei-sync sync` go through exactly the same code.
 */

import type {
  RunStatus,
  StartRunRequest,
  StreamRunError,
  StreamRunResult,
  SyncProgress,
} from '../state/run-types.js';
import type { AnyStreamName, StreamName } from '../streams/types.js';

export * from '../state/run-types.js';

import type { VerifyPlan } from '../verify/plan.js';
import type { StreamVerifyResult } from '../verify/types.js';

export interface SyncStreamRequest {
  runId: string;
  stream: AnyStreamName;
  /** Re-walk from scratch, ignoring the cursor and the page checkpoint. */
  fullRefresh: boolean;
  /** The user named the stream (`--streams`): a list this SEI does not serve fails it (unavailable.ts). */
  named?: boolean;
  /** Aborting stops the walk after the current page commits (or abandons an uncommitted one). */
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
}

/**
 * Where a worker's stream job stands: done (a full-refresh list is synced in one step, a failure ends
 * the stream), or its walk has slices still to walk (as child jobs, by any worker).
 */
export type StreamStep = { kind: 'done'; result: StreamRunResult } | SlicesStep;

/** A walk with slices still to walk. */
export interface SlicesStep {
  kind: 'slices';
  walkId: string;
  /** Which read of the walk's slices this is (0 first; more after a snapshot switch). */
  pass: number;
  /** The run that planned the walk; another run's job continues it only when that run is gone. */
  ownerRunId: string | null;
  /** Slices not yet done. */
  slices: number[];
}

export interface SliceRequest {
  runId: string;
  stream: AnyStreamName;
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
