/**
 * The processors, each a thin adapter from a BullMQ job to SyncEngine calls:
 *   sync-run-start → engine.startRun, then the run's flow;
 *   sync-stream    → engine.beginStream, its slices as `sync-slice` children, engine.finishStream
 *                    (under the per-stream lock);
 *   sync-slice     → engine.walkSlice (any worker, any number at once);
 *   sync-run       → engine.finishRun with every stream's result (failed ones included);
 *   verify-run     → a verify (with heal) of every stream, its findings on /metrics.
 */

import {
  DelayedError,
  type FlowProducer,
  type Job,
  type Queue,
  UnrecoverableError,
  WaitingChildrenError,
} from 'bullmq';
import { type ErrorCode, isErrorCode, SYNC_ERROR_CODES } from '../src/errors.js';
import type { Logger } from '../src/observability/logger.js';
import type { SyncMetrics } from '../src/observability/metrics.js';
import { isStreamName } from '../src/streams/stream-names.js';
import type { AnyStreamName, StreamName } from '../src/streams/types.js';
import { zeroCounts } from '../src/sync/counts.js';
import type {
  SliceOutcome,
  StreamRunError,
  StreamRunResult,
  StreamStep,
  SyncEngine,
  SyncProgress,
} from '../src/sync/types.js';
import { runVerify } from '../src/verify/run-verify.js';
import { addRunFlow, type StreamRetryOptions } from './enqueue.js';
import {
  JOB_DEFAULTS,
  type RunJobData,
  type RunJobResult,
  type RunRequestData,
  type SliceJobData,
  type StreamJobData,
  type StreamJobProgress,
  type VerifyJobData,
  type VerifyJobResult,
} from './queues.js';
import { jobIds, runIdFromJobId, streamFromChildKey } from './run-id.js';
import type { StreamLocks } from './stream-lock.js';

/** Code the engine returns when another process holds the stream's database lease. */
export const STREAM_BUSY_CODE = SYNC_ERROR_CODES.streamBusy;

/** A stream job attempt that failed; the message starts with the stable code so the parent can read it back. */
export class StreamJobError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'StreamJobError';
    this.code = code;
  }
}

export interface ProcessorContext {
  engine: SyncEngine;
  logger: Logger;
  metrics: SyncMetrics | undefined;
  flow: FlowProducer;
  /** Read-only uses: look up a run's parent job or a failed stream job. */
  runsQueue: Queue;
  streamsQueue: Queue;
  locks: StreamLocks;
  prefix: string;
  streamRetry: StreamRetryOptions;
  busyRetryDelayMs: number;
  /** Aborted at shutdown: the engine finishes or abandons its current page and returns. */
  shutdown: AbortSignal;
  /** Streams of a run that names none (SEI_STREAMS). */
  defaultStreams: readonly AnyStreamName[];
}

async function putBack(job: Job, token: string | undefined, delayMs: number): Promise<never> {
  await job.moveToDelayed(Date.now() + delayMs, token);
  // Tells the worker the job was moved on purpose: no attempt is used up.
  throw new DelayedError();
}

export async function processRunStart(
  ctx: ProcessorContext,
  job: Job<RunRequestData>,
): Promise<{ runId: string }> {
  const data = job.data;
  const runId = data.runId ?? runIdFromJobId(ctx.prefix, String(job.id));
  const streams: AnyStreamName[] = data.streams.length > 0 ? data.streams : [...ctx.defaultStreams];
  // A retried start whose flow was already added: nothing left to do.
  if (await ctx.runsQueue.getJob(jobIds.run(runId))) return { runId };
  await ctx.engine.startRun({ trigger: data.trigger, streams, fullRefresh: data.fullRefresh, runId });
  const runData: RunJobData = { runId, streams, fullRefresh: data.fullRefresh, trigger: data.trigger };
  await addRunFlow(ctx.flow, runData, ctx.streamRetry);
  ctx.logger.info(
    { runId, streams, fullRefresh: data.fullRefresh, trigger: data.trigger, schedule: data.schedule },
    'run enqueued',
  );
  return { runId };
}

/** A failure reason as jobs store it: `CODE: message`. */
const REASON = /^([A-Z][A-Z0-9_]+): (.*)$/s;

/** Where a stream job's walk stands, as the engine reports it. */
type SlicesStep = Extract<StreamStep, { kind: 'slices' }>;

const LIVE_STATES = new Set(['active', 'waiting', 'waiting-children', 'delayed', 'prioritized']);

/** Whether the stream job of another run is still under way (it then owns the walk in progress). */
async function otherRunActive(ctx: ProcessorContext, runId: string, stream: AnyStreamName): Promise<boolean> {
  const owner = await ctx.streamsQueue.getJob(jobIds.stream(runId, stream));
  return owner !== undefined && LIVE_STATES.has(await owner.getState());
}

/**
 * Adds a child job for every slice not yet done (ids are per read of the walk and per attempt of this
 * job, so re-adding is a no-op and a retried stream job walks failed slices anew). Throws the failure
 * of a slice job of this attempt that failed for good.
 */
async function addSliceJobs(
  ctx: ProcessorContext,
  job: Job<StreamJobData, StreamRunResult>,
  step: SlicesStep,
): Promise<void> {
  const { runId, stream } = job.data;
  const ids = step.slices.map((sliceNo) => ({
    sliceNo,
    id: jobIds.slice(step.walkId, step.pass, sliceNo, job.attemptsMade),
  }));
  const existing = await Promise.all(ids.map(({ id }) => ctx.streamsQueue.getJob(id)));
  for (const child of existing) {
    if (child && (await child.isFailed())) throw new StreamJobError(...parseReason(child.failedReason));
  }
  const missing = ids.filter((_, index) => existing[index] === undefined);
  if (missing.length === 0) return;
  await ctx.streamsQueue.addBulk(
    missing.map(({ sliceNo, id }) => ({
      name: 'sync-slice',
      data: { runId, stream, walkId: step.walkId, sliceNo } satisfies SliceJobData,
      opts: {
        jobId: id,
        parent: { id: String(job.id), queue: job.queueQualifiedName },
        attempts: ctx.streamRetry.attempts,
        backoff: { type: 'exponential', delay: ctx.streamRetry.backoffMs },
        removeOnComplete: JOB_DEFAULTS.keepCompleted,
        removeOnFail: JOB_DEFAULTS.keepFailed,
        // A failed slice does not hold its stream job back: the stream job sees it and fails itself.
        ignoreDependencyOnFailure: true,
      },
    })),
  );
  ctx.logger.info(
    { runId, stream, walkId: step.walkId, pass: step.pass, slices: missing.length },
    'slices enqueued for any worker',
  );
}

/**
 * A stream job: plan (or continue) the walk, hand its slices to any worker as child jobs, wait for
 * them, then finish the walk (which may ask for another read of the slices). Full-refresh lists are
 * synced in the first step. The job is processed again each time its children are done.
 */
export async function processStream(
  ctx: ProcessorContext,
  job: Job<StreamJobData, StreamRunResult>,
  token: string | undefined,
): Promise<StreamRunResult> {
  const { runId, stream, fullRefresh } = job.data;
  const logger = ctx.logger.child({ runId, stream, jobId: job.id, attempt: job.attemptsMade + 1 });
  if (ctx.shutdown.aborted) return putBack(job, token, 0);
  const lock = await ctx.locks.tryAcquire(stream, String(job.id));
  if (!lock) {
    logger.info('stream busy in another run; waiting');
    return putBack(job, token, ctx.busyRetryDelayMs);
  }
  const request = {
    runId,
    stream,
    fullRefresh,
    signal: ctx.shutdown,
    onProgress: (progress: SyncProgress) => {
      const update: StreamJobProgress = { pages: progress.pages, records: progress.records };
      job
        .updateProgress(update)
        .catch((error: unknown) => logger.warn({ err: error }, 'progress not stored'));
    },
  };
  let result: StreamRunResult;
  try {
    for (;;) {
      const step = await ctx.engine.beginStream(request);
      if (step.kind === 'done') {
        result = step.result;
        break;
      }
      if (
        step.ownerRunId !== null &&
        step.ownerRunId !== runId &&
        (await otherRunActive(ctx, step.ownerRunId, stream))
      ) {
        logger.info({ owner: step.ownerRunId }, 'another run is walking this stream; waiting');
        return await putBack(job, token, ctx.busyRetryDelayMs);
      }
      if (step.slices.length > 0) {
        await addSliceJobs(ctx, job, step);
        // Processed again once every child is done (or failed for good).
        if (await job.moveToWaitingChildren(token ?? '')) throw new WaitingChildrenError();
        continue;
      }
      const end = await ctx.engine.finishStream(request);
      if (end.kind === 'done') {
        result = end.result;
        break;
      }
      logger.info({ pass: end.pass }, 'the walk is read again');
    }
  } catch (error) {
    if (error instanceof WaitingChildrenError || error instanceof DelayedError) throw error;
    // An engine that throws on abort (instead of returning a result) is put back the same way.
    if (ctx.shutdown.aborted) return await putBack(job, token, 0);
    throw error;
  } finally {
    await lock
      .release()
      .catch((error: unknown) => logger.warn({ err: error }, 'stream lock not released; it expires'));
  }
  ctx.metrics?.recordStreamResult(result, 0);
  if (result.status !== 'failed') {
    logger.info({ status: result.status }, 'stream done');
    return result;
  }
  const { error } = result;
  if (error.code === STREAM_BUSY_CODE) {
    logger.info('stream leased by another process; waiting');
    return putBack(job, token, ctx.busyRetryDelayMs);
  }
  if (ctx.shutdown.aborted) {
    // Stopped by our own shutdown: the slices keep their place; another worker resumes without using an attempt.
    logger.info('stream stopped for shutdown; put back');
    return putBack(job, token, 0);
  }
  logger.warn({ code: error.code, retryable: error.retryable }, `stream failed: ${error.message}`);
  return failJob(error);
}

/** A slice job: walk one time slice of a stream's walk to its end, whichever worker takes it. */
export async function processSlice(
  ctx: ProcessorContext,
  job: Job<SliceJobData, SliceOutcome>,
  token: string | undefined,
): Promise<SliceOutcome> {
  const { runId, stream, walkId, sliceNo } = job.data;
  if (ctx.shutdown.aborted) return putBack(job, token, 0);
  const outcome = await ctx.engine.walkSlice({
    runId,
    stream,
    walkId,
    sliceNo,
    signal: ctx.shutdown,
    onProgress: (progress) => {
      const update: StreamJobProgress = { pages: progress.pages, records: progress.records };
      job.updateProgress(update).catch(() => {});
    },
  });
  if (outcome.status === 'done') return outcome;
  // Stopped by our own shutdown: committed pages are kept; the slice resumes on any worker.
  if (ctx.shutdown.aborted) return putBack(job, token, 0);
  return failJob(outcome.error);
}

/** Fails the job: for good when retrying cannot help, else for BullMQ to try again. */
function failJob(error: StreamRunError): never {
  if (!error.retryable) throw new UnrecoverableError(`${error.code}: ${error.message}`);
  throw new StreamJobError(error.code, error.message);
}

/**
 * A verify job: every stream (or the job's) verified against SEI's counts, healed when asked, in this
 * worker (the engine takes each stream's lock, so no sync of the stream runs meanwhile; a stream whose
 * sync walk is in progress is verified, not healed). Its findings go to /metrics and the database.
 */
export async function processVerify(
  ctx: ProcessorContext,
  job: Job<VerifyJobData, VerifyJobResult>,
  token: string | undefined,
): Promise<VerifyJobResult> {
  if (ctx.shutdown.aborted) return putBack(job, token, 0);
  // 2.0 streams have no server counts to verify against.
  const streams: StreamName[] =
    job.data.streams.length > 0 ? job.data.streams : ctx.defaultStreams.filter(isStreamName);
  const run = await runVerify(ctx.engine, { streams, heal: job.data.heal, signal: ctx.shutdown });
  // Stopped for shutdown: the streams it did not finish are in the ledger as failed; verify anew elsewhere.
  if (ctx.shutdown.aborted) return putBack(job, token, 0);
  for (const result of run.results) ctx.metrics?.recordVerify(result);
  const differing = run.results.filter((r) => r.status === 'differs').map((r) => r.stream);
  const failed = run.results.filter((r) => r.status === 'failed').map((r) => r.stream);
  const log = { runId: run.runId, heal: job.data.heal, differing, failed };
  if (differing.length > 0 || failed.length > 0)
    ctx.logger.warn(log, 'verify: the warehouse differs from SEI');
  else ctx.logger.info(log, 'verify: every stream matches SEI');
  return { runId: run.runId, status: run.status, differing, failed };
}

/**
 * The code and message of a failed job's reason (`CODE: message`); a reason that does not start with
 * one of our codes is SEI_SYNC_ERR_JOB, its first line the message.
 */
function parseReason(reason: string | undefined): [ErrorCode, string] {
  const text = reason ?? 'slice failed';
  const match = REASON.exec(text);
  const [code, message] =
    match && isErrorCode(match[1]) ? [match[1], match[2] ?? ''] : [SYNC_ERROR_CODES.job, text];
  return [code, message.split('\n')[0] ?? ''];
}

/** Rebuilds a failed stream's result from its job (failed children have no return value). */
async function failedResult(
  streamsQueue: Queue,
  runId: string,
  stream: AnyStreamName,
  reason: string,
): Promise<StreamRunResult> {
  const [code, message] = parseReason(reason);
  const child: Job | undefined = await streamsQueue.getJob(jobIds.stream(runId, stream));
  const attemptsLeft = child ? (child.opts.attempts ?? 1) > child.attemptsMade : false;
  const progress = (child?.progress ?? {}) as Partial<StreamJobProgress>;
  return {
    stream,
    status: 'failed',
    counts: { ...zeroCounts(), pages: progress.pages ?? 0, records: progress.records ?? 0 },
    durationMs: child?.finishedOn && child.processedOn ? child.finishedOn - child.processedOn : 0,
    error: {
      code,
      message,
      // Failed with attempts left means it was declared unrecoverable.
      retryable: !attemptsLeft,
    },
  };
}

export async function processRunFinish(
  ctx: ProcessorContext,
  job: Job<RunJobData, RunJobResult>,
): Promise<RunJobResult> {
  const { runId, streams } = job.data;
  const values = await job.getChildrenValues<StreamRunResult>();
  const failures = await job.getIgnoredChildrenFailures();
  const byStream = new Map<string, StreamRunResult>();
  for (const value of Object.values(values)) byStream.set(value.stream, value);
  for (const [key, reason] of Object.entries(failures)) {
    const stream = streamFromChildKey(key, runId) as AnyStreamName | undefined;
    if (stream && !byStream.has(stream))
      byStream.set(stream, await failedResult(ctx.streamsQueue, runId, stream, reason));
  }
  const results = streams.map(
    (stream): StreamRunResult =>
      byStream.get(stream) ?? { stream, status: 'not_run', reason: 'the stream job vanished from Redis' },
  );
  const status = await ctx.engine.finishRun(runId, results);
  ctx.metrics?.runs.inc({ status });
  const failedStreams = results.filter((r) => r.status === 'failed').map((r) => r.stream);
  ctx.logger.info({ runId, status, failedStreams }, 'run finished');
  return { runId, status, failedStreams };
}
