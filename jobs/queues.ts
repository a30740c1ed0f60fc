/**
 * Queue names, job names and the typed payload of every job.
 *
 * Payloads carry only what identifies the work (run id, streams, refresh mode, trigger): never the API
 * key, never a database URL. Workers read secrets from their own configuration.
 */
import type { DefaultJobOptions } from 'bullmq';
import type { AnyStreamName, StreamName } from '../src/streams/types.js';
import type { RunStatus, RunTrigger, SliceOutcome, StreamRunResult } from '../src/sync/types.js';

/**
 * Run-level jobs: `sync-run-start` (records the run, creates the flow), `sync-run` (the flow's
 * parent) and `verify-run` (a scheduled verify with heal, run whole in one job).
 */
export const RUNS_QUEUE = 'sei-sync-runs';
/**
 * One `sync-stream` job per stream of a run (the children of `sync-run`), and the `sync-slice` jobs a
 * stream job adds as its own children: one per time slice of its walk, taken by any worker.
 */
export const STREAMS_QUEUE = 'sei-sync-streams';
export const QUEUE_NAMES = [RUNS_QUEUE, STREAMS_QUEUE] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** What a run is asked to do; the data of `sync-run-start` (runId absent for scheduled fires). */
export interface RunRequestData {
  /** Set by `run-now`; scheduled fires derive it from the job id, so a retried start reuses it. */
  runId?: string;
  /** Empty means every stream. */
  streams: AnyStreamName[];
  fullRefresh: boolean;
  trigger: 'schedule' | 'manual';
  /** The job scheduler that fired this run, when it was scheduled. */
  schedule?: string;
}

export interface RunJobData {
  runId: string;
  streams: AnyStreamName[];
  fullRefresh: boolean;
  trigger: RunTrigger;
}

export interface StreamJobData {
  runId: string;
  stream: AnyStreamName;
  fullRefresh: boolean;
  trigger: RunTrigger;
}

/** A time slice of a stream's walk, walked by any worker (the stream job's child). */
export interface SliceJobData {
  runId: string;
  stream: AnyStreamName;
  walkId: string;
  sliceNo: number;
}

/** A verify of `streams` (all when empty) against SEI's counts; `heal` re-walks the buckets that differ. */
export interface VerifyJobData {
  streams: StreamName[];
  heal: boolean;
  trigger: 'schedule' | 'manual';
  /** The job scheduler that fired it. */
  schedule?: string;
}

export interface VerifyJobResult {
  runId: string;
  status: RunStatus;
  /** Streams whose verify still differs (after the heal). */
  differing: StreamName[];
  /** Streams whose verify failed (it could not count, or not take the stream's lock). */
  failed: StreamName[];
}

/** One interface maps each job name to its data, its queue and its result. */
export interface JobTypes {
  'sync-run-start': { queue: typeof RUNS_QUEUE; data: RunRequestData; result: { runId: string } };
  'sync-run': { queue: typeof RUNS_QUEUE; data: RunJobData; result: RunJobResult };
  'sync-stream': { queue: typeof STREAMS_QUEUE; data: StreamJobData; result: StreamRunResult };
  'sync-slice': { queue: typeof STREAMS_QUEUE; data: SliceJobData; result: SliceOutcome };
  'verify-run': { queue: typeof RUNS_QUEUE; data: VerifyJobData; result: VerifyJobResult };
}
export type StreamsJobName = 'sync-stream' | 'sync-slice';
export type JobName = keyof JobTypes;
export type RunsJobName = 'sync-run-start' | 'sync-run' | 'verify-run';

export interface RunJobResult {
  runId: string;
  status: RunStatus;
  failedStreams: AnyStreamName[];
}

/** Progress reported by `sync-stream` jobs through `job.updateProgress`. */
export interface StreamJobProgress {
  pages: number;
  records: number;
}

/** Defaults, defined once. */
export const JOB_DEFAULTS = {
  /** Attempts of a stream job, the first included; each resumes from the database checkpoint. */
  streamAttempts: 5,
  /** First retry delay; doubles each attempt (2 s, 4 s, 8 s, 16 s). */
  streamBackoffMs: 2_000,
  runAttempts: 5,
  runBackoffMs: 2_000,
  /**
   * A worker holds a job's lock for this long and renews it every half of it. A page taking tens of
   * seconds never blocks the event loop (it awaits I/O), so renewal keeps going; a crashed worker's job
   * is noticed as stalled within about this time.
   */
  lockDurationMs: 60_000,
  /** How often stalled jobs are looked for. */
  stalledIntervalMs: 30_000,
  /** A job whose worker died this many times is failed instead of being retried forever. */
  maxStalledCount: 2,
  /** How long a stream job waits before trying again when another run holds the stream. */
  busyRetryDelayMs: 5_000,
  /** Finished jobs kept for Bull Board and `status`. */
  keepCompleted: { age: 7 * 86_400, count: 1_000 },
  keepFailed: { age: 30 * 86_400, count: 5_000 },
} as const;

export const STREAM_JOB_OPTIONS = {
  attempts: JOB_DEFAULTS.streamAttempts,
  backoff: { type: 'exponential', delay: JOB_DEFAULTS.streamBackoffMs },
  removeOnComplete: JOB_DEFAULTS.keepCompleted,
  removeOnFail: JOB_DEFAULTS.keepFailed,
  // A failed stream is recorded on the parent and does not hold the run back.
  ignoreDependencyOnFailure: true,
} as const satisfies DefaultJobOptions & { ignoreDependencyOnFailure: boolean };

/**
 * A verify is retried once (a network outage, a worker restart); a verify that keeps failing waits for
 * its next fire. A worker that stops puts the job back without using an attempt.
 */
export const VERIFY_JOB_OPTIONS = {
  attempts: 2,
  backoff: { type: 'exponential', delay: 60_000 },
  removeOnComplete: JOB_DEFAULTS.keepCompleted,
  removeOnFail: JOB_DEFAULTS.keepFailed,
} as const satisfies DefaultJobOptions;

export const RUN_JOB_OPTIONS = {
  attempts: JOB_DEFAULTS.runAttempts,
  backoff: { type: 'exponential', delay: JOB_DEFAULTS.runBackoffMs },
  removeOnComplete: JOB_DEFAULTS.keepCompleted,
  removeOnFail: JOB_DEFAULTS.keepFailed,
} as const satisfies DefaultJobOptions;
