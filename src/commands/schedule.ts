/**
 * `sei-sync schedule`: creates or updates the BullMQ job schedulers from the configuration
 * (SCHEDULE_FULL_CRON, SCHEDULE_INCREMENTAL_CRON, SCHEDULE_TZ or SEI_SYNC_SCHEDULES, and
 * SCHEDULE_VERIFY_CRON) and removes the
 * ones no longer configured. Safe to run on every deploy.
 */
import type { Command } from 'commander';
import { openOneShotRedis } from '../../jobs/connection.js';
import { registerSchedules } from '../../jobs/schedules.js';
import { queueStatus } from '../../jobs/status.js';
import { loadConfig } from '../config.js';
import { loadWorkerConfig, VERIFY_SCHEDULE_ID } from '../worker-config.js';
import { runAction } from './run-action.js';
import { textTable } from './text-table.js';

export function registerSchedule(program: Command): void {
  program
    .command('schedule')
    .description('create/update the job schedules from the configuration and remove the others')
    .action(
      runAction(async () => {
        const config = loadConfig();
        const { prefix, schedules, verify } = loadWorkerConfig();
        const connection = await openOneShotRedis(config.redisUrl.reveal());
        try {
          const { removed } = await registerSchedules({ connection, prefix }, schedules, verify);
          const status = await queueStatus({ connection, prefix });
          const rows = status.schedules.map((s) => {
            const group = schedules.find((g) => g.name === s.id);
            const mode =
              s.id === VERIFY_SCHEDULE_ID ? 'verify --heal' : group?.fullRefresh ? 'full' : 'incremental';
            return [
              s.id,
              s.pattern ?? `every ${s.everyMs} ms`,
              s.tz ?? '',
              mode,
              group && group.streams.length > 0 ? group.streams.join(',') : 'all',
              s.next?.toISOString() ?? '',
            ];
          });
          process.stdout.write(`${textTable(['schedule', 'when', 'tz', 'mode', 'streams', 'next'], rows)}\n`);
          if (removed.length > 0) process.stdout.write(`removed: ${removed.join(', ')}\n`);
          return 0;
        } finally {
          await connection.quit().catch(() => connection.disconnect());
        }
      }),
    );
}
