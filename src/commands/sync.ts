import type { Command } from 'commander';
import { parseStreamList } from '../streams/registry.js';
import { STREAM_NAMES } from '../streams/types.js';
import { createSyncEngineFromConfig, runSync } from '../sync/index.js';
import { abortOnSignals, commandContext } from './context.js';
import { createProgressReporter } from './progress.js';
import { runAction } from './run-action.js';
import { commonFatalError, syncSummaryTable, totalRecordsPerSecond } from './sync-summary.js';

interface SyncOptions {
  streams?: string;
  fullRefresh?: boolean;
}

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('sync streams from SEI into the database once, in this process (no Redis needed)')
    .option('--streams <names>', `comma-separated streams (default: all of ${STREAM_NAMES.join(', ')})`)
    .option('--full-refresh', 're-walk the streams from scratch, ignoring cursors and checkpoints')
    .action(
      runAction(async (options: SyncOptions) => {
        const { config, logger } = commandContext({ quietInTerminal: true });
        const streams = options.streams ? parseStreamList(options.streams) : [...STREAM_NAMES];
        if (config.sei.apiKey === undefined) {
          throw new Error(
            'SEI_API_KEY is not set; give an SEI Admin API key (or SEI_API_KEY_FILE), or try `npm run demo`',
          );
        }
        const configured = await createSyncEngineFromConfig(config, { logger });
        const interrupt = abortOnSignals(logger);
        const progress = createProgressReporter(streams);
        const started = Date.now();
        try {
          const run = await runSync(configured.engine, {
            streams,
            fullRefresh: options.fullRefresh ?? false,
            trigger: 'cli',
            signal: interrupt.signal,
            onProgress: (update) => progress.update(update),
            onStreamFinished: (result) => progress.done(result.stream, result.status),
          });
          progress.stop();
          const fatal = commonFatalError(run.results);
          if (fatal !== undefined) throw new Error(fatal);
          const elapsedMs = Date.now() - started;
          process.stdout.write(`${syncSummaryTable(run.results)}\n\n`);
          process.stdout.write(
            `run ${run.runId}: ${run.status} in ${(elapsedMs / 1000).toFixed(1)} s (${totalRecordsPerSecond(run.results, elapsedMs)} records/s) into ${configured.warehouse.location}\n`,
          );
          return run.status === 'succeeded' ? 0 : 1;
        } finally {
          progress.stop();
          interrupt.dispose();
          await configured.close();
        }
      }),
    );
}
