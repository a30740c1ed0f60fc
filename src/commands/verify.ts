/**
 * `sei-sync verify [--streams a,b] [--since DATE] [--integrations IDS] [--heal] [--plan] [--json]`: the warehouse against
 * the server's own counts, bucket by bucket (src/verify/). Exit code 0 when every stream matches,
 * 1 otherwise. `--heal` re-walks the buckets that differ through the normal sync path and verifies
 * them again; `--plan` says what a verify would cost first, with one request per stream.
 */
import type { Command } from 'commander';
import { rateLimitCostLine } from '../extract/index.js';
import { parseStreamList } from '../streams/registry.js';
import { STREAM_NAMES } from '../streams/types.js';
import { createSyncEngineFromConfig } from '../sync/index.js';
import { runVerify } from '../verify/index.js';
import { abortOnSignals, commandContext } from './context.js';
import { exitCodeOf, JSON_FLAG, JSON_OPTION_HELP, writeJsonDocument } from './json-output.js';
import { LogRelay } from './log-relay.js';
import { createProgressReporter } from './progress.js';
import { runAction } from './run-action.js';
import { type ScopeOptions, withScopeOptions } from './scope-options.js';
import { verifyDocument, verifyPlanDocument, verifyPlanText, verifyText } from './verify-output.js';

interface VerifyOptions extends ScopeOptions {
  streams?: string;
  heal?: boolean;
  plan?: boolean;
  json?: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      "compare the warehouse with SEI's own counts, month by month up to each stream's cursor (exit 1 when they differ)",
    )
    .option('--streams <names>', `comma-separated streams (default: all of ${STREAM_NAMES.join(', ')})`)
    .option(
      '--since <date>',
      'compare from this date on, like `sync --since` (default: SEI_START_DATE, else all history)',
    )
    .option(
      '--integrations <ids>',
      'compare these integrations, like `sync --integrations` (default: SEI_INTEGRATION_IDS)',
    )
    .option('--heal', 're-walk the buckets that differ through the normal sync path, then verify them again')
    .option('--plan', 'print how many requests a verify would make and how long they take; compare nothing')
    .option(JSON_FLAG, JSON_OPTION_HELP)
    .action(
      runAction(async (options: VerifyOptions) => {
        const json = options.json === true;
        const relay = new LogRelay();
        const context = commandContext({ quietInTerminal: !json, destination: relay });
        const { logger } = context;
        // The scope a sync of these options would cover is what the warehouse must hold.
        const config = withScopeOptions(context.config, options);
        if (config.sei.apiKey === undefined)
          throw new Error('SEI_API_KEY is not set; give an SEI Admin API key (or SEI_API_KEY_FILE)');
        if (options.plan && options.heal) throw new Error('--plan and --heal exclude each other');
        const streams = options.streams ? parseStreamList(options.streams) : [...STREAM_NAMES];
        const { requestsPerMinute } = config.sei;
        const configured = await createSyncEngineFromConfig(config, { logger });
        const interrupt = abortOnSignals(logger);
        try {
          const { engine } = configured;
          const request = { signal: interrupt.signal };
          if (options.plan) {
            const plans = [];
            for (const stream of streams) plans.push(await engine.planVerify({ stream, ...request }));
            const document = verifyPlanDocument(plans, requestsPerMinute);
            if (json) writeJsonDocument(document);
            else {
              const { total } = document;
              const line = rateLimitCostLine(total.requests, requestsPerMinute, configured.client.stats);
              process.stdout.write(`${verifyPlanText(document)}${line}\n`);
            }
            return exitCodeOf(document);
          }
          const heal = options.heal === true;
          // Bars in a terminal (each stream's state), else a line per stream as it is verified.
          const progress = createProgressReporter(streams, json ? { interactive: false } : { show: 'state' });
          relay.attach((line) => progress.log(line));
          let run: Awaited<ReturnType<typeof runVerify>>;
          try {
            run = await runVerify(engine, {
              streams,
              heal,
              ...request,
              onStreamVerified: (result) => progress.done(result.stream, result.status, true),
            });
          } finally {
            progress.stop();
            relay.detach();
          }
          const document = verifyDocument(run, {
            heal,
            database: configured.warehouse.location,
            requestsPerMinute,
          });
          if (json) writeJsonDocument(document);
          else process.stdout.write(verifyText(document));
          return exitCodeOf(document);
        } finally {
          interrupt.dispose();
          await configured.close();
        }
      }),
    );
}
