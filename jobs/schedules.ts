/**
 * Job schedulers from configuration. Each configured group becomes one BullMQ job scheduler (id = the
 * group's name) that adds a `sync-run-start` job on its cron pattern (or fixed interval); the scheduled
 * verify (SCHEDULE_VERIFY_CRON) is the scheduler `verify`, adding a `verify-run` job. Schedulers no
 * longer configured are removed, so `sei-sync schedule` is the whole truth after it runs.
 */
import { Queue } from 'bullmq';
import { type ScheduleGroup, VERIFY_SCHEDULE_ID, type VerifySchedule } from '../src/worker-config.js';
import type { QueueConnection } from './enqueue.js';
import {
  RUN_JOB_OPTIONS,
  RUNS_QUEUE,
  type RunRequestData,
  VERIFY_JOB_OPTIONS,
  type VerifyJobData,
} from './queues.js';

export interface ScheduleRegistration {
  upserted: string[];
  removed: string[];
}

export async function registerSchedules(
  { connection, prefix }: QueueConnection,
  groups: readonly ScheduleGroup[],
  verify?: VerifySchedule,
): Promise<ScheduleRegistration> {
  const queue = new Queue<RunRequestData | VerifyJobData>(RUNS_QUEUE, { connection, prefix });
  try {
    for (const group of groups) {
      const repeat =
        group.cron !== undefined ? { pattern: group.cron, tz: group.tz } : { every: group.everyMs ?? 0 };
      await queue.upsertJobScheduler(group.name, repeat, {
        name: 'sync-run-start',
        data: {
          streams: group.streams,
          fullRefresh: group.fullRefresh,
          trigger: 'schedule',
          schedule: group.name,
        },
        opts: RUN_JOB_OPTIONS,
      });
    }
    if (verify) {
      await queue.upsertJobScheduler(
        VERIFY_SCHEDULE_ID,
        { pattern: verify.cron, tz: verify.tz },
        {
          name: 'verify-run',
          data: { streams: [], heal: true, trigger: 'schedule', schedule: VERIFY_SCHEDULE_ID },
          opts: VERIFY_JOB_OPTIONS,
        },
      );
    }
    const wanted = new Set([...groups.map((g) => g.name), ...(verify ? [VERIFY_SCHEDULE_ID] : [])]);
    const removed: string[] = [];
    for (const existing of await queue.getJobSchedulers(0, -1)) {
      const id = existing.key;
      if (!wanted.has(id)) {
        await queue.removeJobScheduler(id);
        removed.push(id);
      }
    }
    return { upserted: [...wanted], removed };
  } finally {
    await queue.close();
  }
}
