/**
 * `createWorker`: the BullMQ workers of one process, around an injected SyncEngine.
 *
 * Two workers share the process: one on the runs queue (starting and finishing runs; cheap) and one on
 * the streams queue (`concurrency` streams at once). `close()` is the graceful shutdown: take no new
 * jobs, abort the engine's signal so the current page commits or is abandoned, wait at most
 * `shutdownTimeoutMs`, then force the workers closed (their jobs are picked up again as stalled).
 */
import { setMaxListeners } from 'node:events';
import { FlowProducer, type Job, MetricsTime, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Logger, silentLogger } from '../src/observability/logger.js';
import type { SyncMetrics } from '../src/observability/metrics.js';
import type { OutageLog } from '../src/observability/outage-log.js';
import { isRedisConnectionError } from '../src/service-errors.js';
import { type AnyStreamName, STREAM_NAMES } from '../src/streams/types.js';
import type { SliceOutcome, StreamRunResult, SyncEngine } from '../src/sync/types.js';
import { WORKER_DEFAULTS } from '../src/worker-config.js';
import type { StreamRetryOptions } from './enqueue.js';
import {
  type ProcessorContext,
  processRunFinish,
  processRunStart,
  processSlice,
  processStream,
  processVerify,
} from './processors.js';
import {
  JOB_DEFAULTS,
  RUNS_QUEUE,
  type RunsJobName,
  type SliceJobData,
  STREAMS_QUEUE,
  type StreamJobData,
  type StreamsJobName,
} from './queues.js';
import { StreamLocks } from './stream-lock.js';

export interface CreateWorkerOptions {
  engine: SyncEngine;
  /** ioredis connection with `maxRetriesPerRequest: null`; the workers duplicate it for blocking calls. */
  connection: Redis;
  /** Prefix of every BullMQ key. */
  prefix: string;
  /** Stream and slice jobs run at once by this process (a stream job waiting for its slices takes none). @defaultValue 16 */
  concurrency?: number;
  logger?: Logger;
  metrics?: SyncMetrics;
  /** Attempts and first backoff of stream jobs created by this worker's runs. @defaultValue { attempts: 5, backoffMs: 2000 } */
  streamRetry?: StreamRetryOptions;
  /** Delay before a stream job held by another run tries again. @defaultValue 5000 */
  busyRetryDelayMs?: number;
  /** @defaultValue 60000 */
  lockDurationMs?: number;
  /** @defaultValue 30000 */
  stalledIntervalMs?: number;
  /** @defaultValue 2 */
  maxStalledCount?: number;
  /** Upper bound of `close()`. @defaultValue 30000 */
  shutdownTimeoutMs?: number;
  /** Where Redis connection failures go (logged once per outage); others are logged as they come. */
  redisOutage?: OutageLog;
  /** Streams of a run that names none (config SEI_STREAMS). @defaultValue every stream */
  defaultStreams?: readonly AnyStreamName[];
}

/** The worker's own defaults are `WORKER_DEFAULTS` (what `sei-sync worker` runs with). */
export const WORKER_FACTORY_DEFAULTS = {
  concurrency: WORKER_DEFAULTS.concurrency,
  /** Starting and finishing runs is a few Redis and database calls each. */
  runConcurrency: 2,
  shutdownTimeoutMs: WORKER_DEFAULTS.shutdownTimeoutMs,
  /** After the graceful part: longest wait for queues and forced workers to close (Redis may be gone). */
  forcedCloseMs: 2_000,
} as const;

export interface SyncWorker {
  readonly runsWorker: Worker<unknown, unknown, RunsJobName>;
  readonly streamsWorker: Worker<
    StreamJobData | SliceJobData,
    StreamRunResult | SliceOutcome,
    StreamsJobName
  >;
  /** Queues of this prefix, for /metrics and Bull Board. */
  readonly queues: readonly Queue[];
  /** Resolves when both workers are connected and taking jobs. */
  waitUntilReady(): Promise<void>;
  /** Graceful shutdown; `forced` tells whether the bound was reached. Idempotent. */
  close(): Promise<{ forced: boolean }>;
}

export function createWorker(options: CreateWorkerOptions): SyncWorker {
  const logger = options.logger ?? silentLogger;
  const { connection, prefix } = options;
  const shutdown = new AbortController();
  // Every job, and every request and wait in flight inside it, listens to this one signal (each removes
  // its listener when done): concurrency × in-flight requests is many listeners, not a leak.
  setMaxListeners(0, shutdown.signal);
  const flow = new FlowProducer({ connection, prefix });
  const runsQueue = new Queue(RUNS_QUEUE, { connection, prefix });
  const streamsQueue = new Queue(STREAMS_QUEUE, { connection, prefix });
  const ctx: ProcessorContext = {
    engine: options.engine,
    logger,
    metrics: options.metrics,
    flow,
    runsQueue,
    streamsQueue,
    locks: new StreamLocks(connection, prefix, {
      ttlMs: options.lockDurationMs ?? JOB_DEFAULTS.lockDurationMs,
    }),
    prefix,
    streamRetry: options.streamRetry ?? {
      attempts: JOB_DEFAULTS.streamAttempts,
      backoffMs: JOB_DEFAULTS.streamBackoffMs,
    },
    busyRetryDelayMs: options.busyRetryDelayMs ?? JOB_DEFAULTS.busyRetryDelayMs,
    shutdown: shutdown.signal,
    defaultStreams: options.defaultStreams ?? STREAM_NAMES,
  };
  const workerSettings = {
    connection,
    prefix,
    lockDuration: options.lockDurationMs ?? JOB_DEFAULTS.lockDurationMs,
    stalledInterval: options.stalledIntervalMs ?? JOB_DEFAULTS.stalledIntervalMs,
    maxStalledCount: options.maxStalledCount ?? JOB_DEFAULTS.maxStalledCount,
    // BullMQ's own per-minute completed/failed counts, kept two weeks in Redis (a few KB per queue):
    // they feed `bullmq_job_completed_total` / `bullmq_job_failed_total` on /metrics and Bull Board.
    metrics: { maxDataPoints: MetricsTime.TWO_WEEKS },
  };

  /** A Redis outage is reported by every connection on every reconnect: once is enough. */
  const reportError = (error: Error, fields: Record<string, unknown>, message: string) => {
    if (options.redisOutage && isRedisConnectionError(error)) options.redisOutage.down(error);
    else logger.warn({ ...fields, err: error }, message);
  };

  const timed = async <T>(queue: string, job: Job, work: () => Promise<T>): Promise<T> => {
    const end = options.metrics?.jobDuration.startTimer({ queue, name: job.name });
    try {
      const value = await work();
      end?.({ outcome: 'completed' });
      return value;
    } catch (error) {
      end?.({ outcome: error instanceof Error && error.name === 'DelayedError' ? 'delayed' : 'failed' });
      throw error;
    }
  };

  const runsWorker = new Worker<unknown, unknown, RunsJobName>(
    RUNS_QUEUE,
    (job, token) =>
      timed<unknown>(RUNS_QUEUE, job, () => {
        if (job.name === 'sync-run-start')
          return processRunStart(ctx, job as Parameters<typeof processRunStart>[1]);
        if (job.name === 'verify-run')
          return processVerify(ctx, job as Parameters<typeof processVerify>[1], token);
        return processRunFinish(ctx, job as Parameters<typeof processRunFinish>[1]);
      }),
    { ...workerSettings, concurrency: WORKER_FACTORY_DEFAULTS.runConcurrency },
  );
  const streamsWorker = new Worker<
    StreamJobData | SliceJobData,
    StreamRunResult | SliceOutcome,
    StreamsJobName
  >(
    STREAMS_QUEUE,
    (job, token) =>
      timed<StreamRunResult | SliceOutcome>(STREAMS_QUEUE, job, () =>
        job.name === 'sync-slice'
          ? processSlice(ctx, job as Job<SliceJobData, SliceOutcome>, token)
          : processStream(ctx, job as Job<StreamJobData, StreamRunResult>, token),
      ),
    { ...workerSettings, concurrency: options.concurrency ?? WORKER_FACTORY_DEFAULTS.concurrency },
  );
  for (const worker of [runsWorker, streamsWorker] as unknown as Worker[]) {
    // Without a listener an 'error' (Redis away) would crash the process; ioredis reconnects by itself.
    worker.on('error', (error) => reportError(error, { queue: worker.name }, 'worker error'));
    worker.on('failed', (job, error) =>
      logger.warn(
        { queue: worker.name, jobId: job?.id, attemptsMade: job?.attemptsMade },
        `job failed: ${error.message}`,
      ),
    );
  }
  flow.on('error', (error) => reportError(error, {}, 'flow producer error'));
  runsQueue.on('error', (error) => reportError(error, {}, 'queue error'));
  streamsQueue.on('error', (error) => reportError(error, {}, 'queue error'));

  let closing: Promise<{ forced: boolean }> | undefined;
  const close = (): Promise<{ forced: boolean }> => {
    closing ??= (async () => {
      const boundMs = options.shutdownTimeoutMs ?? WORKER_FACTORY_DEFAULTS.shutdownTimeoutMs;
      logger.info({ boundMs }, 'shutting down: no new jobs, stopping the current pages');
      shutdown.abort(new Error('worker shutting down'));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), boundMs);
      });
      const graceful = Promise.all([runsWorker.close(), streamsWorker.close()]).then(() => 'closed' as const);
      const outcome = await Promise.race([graceful, timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        logger.warn(
          'shutdown bound reached; forcing the workers closed (their jobs will be retried as stalled)',
        );
      }
      // Closing waits for Redis to answer; without Redis there is nothing to close politely.
      const rest = Promise.all([
        ...(outcome === 'timeout' ? [runsWorker.close(true), streamsWorker.close(true)] : []),
        flow.close(),
        runsQueue.close(),
        streamsQueue.close(),
      ]);
      const closed = await Promise.race([
        rest.then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), WORKER_FACTORY_DEFAULTS.forcedCloseMs);
        }),
      ]);
      clearTimeout(timer);
      if (!closed) logger.warn('Redis did not answer the close; leaving its connections behind');
      return { forced: outcome === 'timeout' };
    })();
    return closing;
  };

  return {
    runsWorker,
    streamsWorker,
    queues: [runsQueue, streamsQueue],
    waitUntilReady: async () => {
      await Promise.all([runsWorker.waitUntilReady(), streamsWorker.waitUntilReady()]);
    },
    close,
  };
}
