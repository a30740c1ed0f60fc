/**
 * Job schedulers from configuration. Each configured group becomes one BullMQ job scheduler (id = the
 * group's name) that adds a `sync-run-start` job on its cron pattern (or fixed interval); schedulers no
 * longer configured are removed, so `sei-sync schedule` is the whole truth after it runs.
 */
import { Queue } from 'bullmq';
import type { ScheduleGroup } from '../src/worker-config.js';
import type { QueueConnection } from './enqueue.js';
import { RUN_JOB_OPTIONS, RUNS_QUEUE, type RunRequestData } from './queues.js';

export interface ScheduleRegistration {
  upserted: string[];
  removed: string[];
}

export async function registerSchedules(
  { connection, prefix }: QueueConnection,
  groups: readonly ScheduleGroup[],
): Promise<ScheduleRegistration> {
  const queue = new Queue<RunRequestData>(RUNS_QUEUE, { connection, prefix });
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
    const wanted = new Set(groups.map((g) => g.name));
    const removed: string[] = [];
    for (const existing of await queue.getJobSchedulers(0, -1)) {
      const id = existing.key;
      if (!wanted.has(id)) {
        await queue.removeJobScheduler(id);
        removed.push(id);
      }
    }
    return { upserted: groups.map((g) => g.name), removed };
  } finally {
    await queue.close();
  }
}
