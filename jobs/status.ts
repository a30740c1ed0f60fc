/**
 * What `sei-sync status` shows of the queues: job counts by state, the runs in progress and when each
 * schedule fires next. Read-only.
 */
import { Queue } from 'bullmq';
import type { QueueConnection } from './enqueue.js';
import { QUEUE_NAMES, type QueueName, RUNS_QUEUE, type RunJobData } from './queues.js';

/** The job states shown per queue (the same states BullMQ's `bullmq_job_count` exports on /metrics). */
export const STATUS_STATES = [
  'waiting',
  'active',
  'delayed',
  'waiting-children',
  'prioritized',
  'completed',
  'failed',
  'paused',
] as const;
export type JobStateName = (typeof STATUS_STATES)[number];

export interface ActiveRun {
  runId: string;
  trigger: RunJobData['trigger'];
  fullRefresh: boolean;
  streams: number;
  /** Stream jobs not finished yet. */
  pendingStreams: number;
  /** When the run's flow was created. */
  createdAt: Date;
}

export interface ScheduleStatus {
  id: string;
  pattern: string | undefined;
  everyMs: number | undefined;
  tz: string | undefined;
  /** Next fire time; undefined when Redis has none (a scheduler that is being updated). */
  next: Date | undefined;
}

export interface QueueStatus {
  counts: Record<QueueName, Record<JobStateName, number>>;
  activeRuns: ActiveRun[];
  schedules: ScheduleStatus[];
}

export async function queueStatus({ connection, prefix }: QueueConnection): Promise<QueueStatus> {
  // A reporting command only reads: a Queue object would otherwise write its meta key into Redis.
  const queues = QUEUE_NAMES.map((name) => new Queue(name, { connection, prefix, skipMetasUpdate: true }));
  try {
    const counts = {} as QueueStatus['counts'];
    for (const queue of queues) {
      const raw = await queue.getJobCounts(...STATUS_STATES);
      counts[queue.name as QueueName] = Object.fromEntries(
        STATUS_STATES.map((s) => [s, raw[s] ?? 0]),
      ) as Record<JobStateName, number>;
    }
    const runsQueue = queues.find((q) => q.name === RUNS_QUEUE)!;
    const parents = await runsQueue.getJobs(['waiting-children', 'waiting', 'active', 'delayed'], 0, 200);
    const activeRuns: ActiveRun[] = [];
    for (const job of parents) {
      if (job?.name !== 'sync-run') continue;
      const data = job.data as RunJobData;
      const pending = await job.getDependenciesCount({ unprocessed: true });
      activeRuns.push({
        runId: data.runId,
        trigger: data.trigger,
        fullRefresh: data.fullRefresh,
        streams: data.streams.length,
        pendingStreams: pending.unprocessed ?? 0,
        createdAt: new Date(job.timestamp),
      });
    }
    activeRuns.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const schedules = (await runsQueue.getJobSchedulers(0, -1, true)).map(
      (s): ScheduleStatus => ({
        id: s.key,
        pattern: s.pattern ?? undefined,
        everyMs: s.every ? Number(s.every) : undefined,
        tz: s.tz ?? undefined,
        next: s.next ? new Date(s.next) : undefined,
      }),
    );
    return { counts, activeRuns, schedules };
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
}
