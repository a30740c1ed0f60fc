/** `sei-sync run-now`: asks the workers for a run at once and prints its id. */
import type { Command } from 'commander';
import { openOneShotRedis } from '../../jobs/connection.js';
import { enqueueRun } from '../../jobs/enqueue.js';
import { loadConfig } from '../config.js';
import { parseAnyStreamList } from '../streams/stream-names.js';
import { STREAM_NAMES } from '../streams/types.js';
import { loadWorkerConfig } from '../worker-config.js';
import { runAction } from './run-action.js';

interface RunNowOptions {
  streams?: string;
  fullRefresh?: boolean;
}

export function registerRunNow(program: Command): void {
  program
    .command('run-now')
    .description('enqueue a run for the workers and print its id (see `sei-sync status`)')
    .option('--streams <names>', `comma-separated streams (default: all of ${STREAM_NAMES.join(', ')})`)
    .option('--full-refresh', 're-walk the streams from scratch, ignoring cursors and checkpoints')
    .action(
      runAction(async (options: RunNowOptions) => {
        const config = loadConfig();
        const { prefix } = loadWorkerConfig();
        const streams = options.streams ? parseAnyStreamList(options.streams) : [];
        const connection = await openOneShotRedis(config.redisUrl.reveal());
        try {
          const { runId } = await enqueueRun(
            { connection, prefix },
            { streams, fullRefresh: options.fullRefresh ?? false },
          );
          process.stdout.write(`${runId}\n`);
          return 0;
        } finally {
          await connection.quit().catch(() => connection.disconnect());
        }
      }),
    );
}
