import type { Command } from 'commander';
import { parseAnyStreamList } from '../streams/registry.js';
import { STREAM_NAMES } from '../streams/types.js';
import { createSyncEngineFromConfig, runSync } from '../sync/index.js';
import { abortOnSignals, commandContext } from './context.js';
import { exitCodeOf, JSON_FLAG, JSON_OPTION_HELP, writeJsonDocument } from './json-output.js';
import { LogRelay } from './log-relay.js';
import { createProgressReporter } from './progress.js';
import { runAction } from './run-action.js';
import { withScopeOptions } from './scope-options.js';
import { syncDocument, syncSummaryTable, totalRecordsPerSecond } from './sync-summary.js';

interface SyncOptions {
  streams?: string;
  fullRefresh?: boolean;
  since?: string;
  integrations?: string;
  json?: boolean;
}

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('sync streams from SEI into the database once, in this process (no Redis needed)')
    .option(
      '--streams <names>',
      `comma-separated streams (default: SEI_STREAMS, else all of ${STREAM_NAMES.join(', ')})`,
    )
    .option('--full-refresh', 're-walk the streams from scratch, ignoring cursors and checkpoints')
    .option(
      '--since <date>',
      'backfill horizon (ISO date or instant): first walks start there (SEI_START_DATE)',
    )
    .option('--integrations <ids>', 'only these integration ids, comma-separated (SEI_INTEGRATION_IDS)')
    .option(JSON_FLAG, JSON_OPTION_HELP)
    .action(
      runAction(async (options: SyncOptions) => {
        const json = options.json === true;
        // Under --json there are no bars to protect: log lines go to stderr at the configured level.
        const relay = new LogRelay();
        const context = commandContext({ quietInTerminal: !json, destination: relay });
        const { logger } = context;
        const config = withScopeOptions(context.config, options);
        const streams = options.streams ? parseAnyStreamList(options.streams) : [...config.streams];
        if (config.sei.apiKey === undefined) {
          throw new Error(
            'SEI_API_KEY is not set; give an SEI Admin API key (or SEI_API_KEY_FILE), or try `npm run demo`',
          );
        }
        const configured = await createSyncEngineFromConfig(config, { logger });
        const interrupt = abortOnSignals(logger);
        const progress = createProgressReporter(streams, json ? { interactive: false } : {});
        relay.attach((line) => progress.log(line));
        const started = new Date();
        try {
          const run = await runSync(configured.engine, {
            streams,
            fullRefresh: options.fullRefresh ?? false,
            trigger: 'cli',
            named: options.streams !== undefined,
            signal: interrupt.signal,
            onProgress: (update) => progress.update(update),
            onStreamFinished: (result) => progress.done(result.stream, result.status),
          });
          progress.stop();
          const document = syncDocument(run, {
            fullRefresh: options.fullRefresh ?? false,
            startedAt: started,
            finishedAt: new Date(),
            database: configured.warehouse.location,
          });
          if (json) {
            writeJsonDocument(document);
            return exitCodeOf(document);
          }
          if (document.error !== null) throw new Error(`${document.error.code}: ${document.error.message}`);
          const elapsedMs = document.run.durationMs;
          process.stdout.write(`${syncSummaryTable(run.results)}\n\n`);
          process.stdout.write(
            `run ${run.runId}: ${run.status} in ${(elapsedMs / 1000).toFixed(1)} s (${totalRecordsPerSecond(run.results, elapsedMs)} records/s) into ${configured.warehouse.location}\n`,
          );
          return exitCodeOf(document);
        } finally {
          progress.stop();
          relay.detach();
          interrupt.dispose();
          await configured.close();
        }
      }),
    );
}
