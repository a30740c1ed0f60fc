/**
 * The contract of the SEI simulator, shared by tests, the demo and the benchmarks.
 * (The implementation lives beside this file; `startSimulator` in ./index.ts.)
 */
import type { SeiRecord } from '../extract/sei/types.js';
import type { StreamName } from '../streams/types.js';
import type { LatencyModel } from './latency.js';
import type { QuirkOptions, QuirkPreset } from './quirks.js';
import type { V2Options } from './v2/types.js';

/** Probabilities in [0, 1] per request, applied independently, and delays in ms. */
export interface FaultOptions {
  /** 429 without `Retry-After` (what Harness sends). */
  rateLimited: number;
  /** 503 with `Retry-After: <retryAfterSeconds>`. */
  unavailable: number;
  retryAfterSeconds: number;
  /** 500 with an HTML body. */
  serverError: number;
  /** The socket is destroyed before any response byte. */
  connectionReset: number;
  /** 200 with a Content-Length for the whole body but only part of it sent. */
  truncatedBody: number;
  /** Probability and length of a delay before answering. */
  slow: number;
  slowMs: number;
}

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** Size of each large stream (jira_issues, workitems, scm_pull_requests, scm_commits, cicd_job_runs). */
  records?: number;
  /** Per-stream sizes, overriding `records`. */
  streamSizes?: Partial<Record<StreamName, number>>;
  /** Same seed, same dataset. @defaultValue 1 */
  seed?: number;
  /** Keys accepted with the Admin role. @defaultValue ['sim-admin-key'] */
  adminKeys?: string[];
  /** Keys that exist but have the Ingestion role (403 on list endpoints). @defaultValue ['sim-ingestion-key'] */
  ingestionKeys?: string[];
  faults?: Partial<FaultOptions>;
  /**
   * Share of each stream's records that carry a hostile value (NUL, a lone surrogate, an absurd
   * instant, an unusable key...; see ./hostile.ts), in [0, 1]. @defaultValue 0
   */
  hostile?: number;
  /** Keep at most this many request log entries (oldest dropped). @defaultValue 100000 */
  requestLogLimit?: number;
  /** Delay of each answer (fixed + per record + per offset depth). @defaultValue none */
  latency?: LatencyModel;
  /**
   * Streams whose endpoint is broken in the server's code (cicd_jobs: always 500) but should answer,
   * as a production that fixed it would. @defaultValue none
   */
  fixedEndpoints?: readonly StreamName[];
  /** SEI 2.0: auth placements accepted, project, job pacing, fault knobs (./v2/types.ts). */
  v2?: V2Options;
  /**
   * The server's quirks (./quirks.ts): a preset (`strict`, the server as its code behaves; `polite`,
   * none) or knobs over `strict`. @defaultValue 'strict'
   */
  quirks?: QuirkPreset | Partial<QuirkOptions>;
}

export interface RequestLogEntry {
  /** ms since epoch when the request arrived. */
  at: number;
  method: string;
  path: string;
  query: string;
  /** The parsed JSON body, when it was one (the request log shows what clients send). */
  body?: Record<string, unknown>;
  page: number | undefined;
  pageSize: number | undefined;
  status: number;
  /** Which fault, if any, produced the answer. */
  fault: keyof FaultOptions | undefined;
  /** Records in the answer (0 for errors). */
  records: number;
}

/** Changes applied to the live dataset, as a real SEI tenant changes under a running sync. */
export interface DatasetMutation {
  insert?: number;
  update?: number;
  delete?: number;
  /**
   * Records SEI ingests now although the source dated them in the past (commits: an old branch pushed
   * late, with an old `committed_at` and a new `created_at`); other streams ignore it.
   */
  lateInsert?: number;
}

/** A new daily snapshot (Jira, work items): records changed in the source since the last one, and records no longer listed. */
export interface SnapshotSwitch {
  update?: number;
  delete?: number;
}

export interface SimulatorDataset {
  /** Every record a complete, unfiltered walk of the stream must return now (deleted ones excluded). */
  records(stream: StreamName): SeiRecord[];
  count(stream: StreamName): number;
  /**
   * Inserts, updates (bumping the updated-at field to now, or to `atMs`: a bulk edit at one
   * millisecond) and deletes records; returns the keys touched.
   */
  mutate(
    stream: StreamName,
    mutation: DatasetMutation,
    atMs?: number,
  ): { inserted: string[]; updated: string[]; deleted: string[] };
  /** Makes a new daily snapshot the latest one now (see `SimulatorHandle.switchSnapshotDuringWalk`). */
  switchSnapshot(
    stream: StreamName,
    change?: SnapshotSwitch,
  ): { inserted: string[]; updated: string[]; deleted: string[] };
}

export interface SimulatorHandle {
  /** Base URL to give the client, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly adminKey: string;
  readonly ingestionKey: string;
  readonly dataset: SimulatorDataset;
  readonly requestLog: readonly RequestLogEntry[];
  clearRequestLog(): void;
  setFaults(faults: Partial<FaultOptions>): void;
  /** Replaces the quirks given (the others stay). */
  /** Changes the quirks while the simulator runs (the per-stream lists; others are read at start). */
  setQuirks(quirks: Partial<QuirkOptions>): void;
  /**
   * Runs `mutation` on `stream` once, right before answering the `afterRequests`-th list request of
   * that stream from now (0: the next one). Records change under a running walk.
   */
  mutateDuringWalk(stream: StreamName, afterRequests: number, mutation: DatasetMutation): void;
  /**
   * Makes a new daily snapshot of `stream` the latest right before its `afterRequests`-th list request
   * from now: the pages of one walk then come from two snapshots, as when SEI's per-pod cache of the
   * latest `ingested_at` expires mid-walk.
   */
  switchSnapshotDuringWalk(stream: StreamName, afterRequests: number, change?: SnapshotSwitch): void;
  close(): Promise<void>;
}
