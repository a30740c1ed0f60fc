/**
 * Creating runs: `enqueueRun` (run-now) asks for one; the `sync-run-start` processor records it and
 * builds its flow: a `sync-run` parent with one `sync-stream` child per stream.
 */
import { type FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AnyStreamName } from '../src/streams/types.js';
import {
  JOB_DEFAULTS,
  RUN_JOB_OPTIONS,
  RUNS_QUEUE,
  type RunJobData,
  type RunRequestData,
  STREAM_JOB_OPTIONS,
  STREAMS_QUEUE,
  type StreamJobData,
} from './queues.js';
import { jobIds, newRunId } from './run-id.js';

export interface QueueConnection {
  /** An ioredis connection created with `maxRetriesPerRequest: null` (see createRedisConnection). */
  connection: Redis;
  /** Prefix of every BullMQ key. */
  prefix: string;
}

export interface EnqueueRunRequest {
  /** Empty or absent: every stream. */
  streams?: AnyStreamName[];
  fullRefresh?: boolean;
}

/** Asks the workers for a run; resolves with its id once the request is stored in Redis. */
export async function enqueueRun(
  { connection, prefix }: QueueConnection,
  request: EnqueueRunRequest = {},
): Promise<{ runId: string; jobId: string }> {
  const runId = newRunId();
  const data: RunRequestData = {
    runId,
    streams: request.streams ?? [],
    fullRefresh: request.fullRefresh ?? false,
    trigger: 'manual',
  };
  const queue = new Queue<RunRequestData>(RUNS_QUEUE, { connection, prefix });
  try {
    const job = await queue.add('sync-run-start', data, { ...RUN_JOB_OPTIONS, jobId: jobIds.start(runId) });
    return { runId, jobId: job.id ?? jobIds.start(runId) };
  } finally {
    await queue.close();
  }
}

export interface StreamRetryOptions {
  /** @defaultValue 5 */
  attempts: number;
  /** First retry delay, doubled each attempt. @defaultValue 2000 */
  backoffMs: number;
}

/** Adds the flow of a run; a no-op when it already exists (a retried start). */
export async function addRunFlow(
  flow: FlowProducer,
  data: RunJobData,
  retry: StreamRetryOptions = {
    attempts: JOB_DEFAULTS.streamAttempts,
    backoffMs: JOB_DEFAULTS.streamBackoffMs,
  },
): Promise<void> {
  await flow.add({
    name: 'sync-run',
    queueName: RUNS_QUEUE,
    data,
    opts: { ...RUN_JOB_OPTIONS, jobId: jobIds.run(data.runId) },
    children: data.streams.map((stream) => ({
      name: 'sync-stream',
      queueName: STREAMS_QUEUE,
      data: {
        runId: data.runId,
        stream,
        fullRefresh: data.fullRefresh,
        trigger: data.trigger,
      } satisfies StreamJobData,
      opts: {
        ...STREAM_JOB_OPTIONS,
        attempts: retry.attempts,
        backoff: { type: 'exponential', delay: retry.backoffMs },
        jobId: jobIds.stream(data.runId, stream),
      },
    })),
  });
}
