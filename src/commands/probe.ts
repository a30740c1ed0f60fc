/**
 * `sei-sync probe`: checks each assumption the walks make against this SEI, with a stated, small
 * number of requests, and prints a table: assumption, holds / does not / could not tell, the
 * evidence, what sei-sync does. Writes nothing. Every check is described in docs/probe.md.
 */
import type { Command } from 'commander';
import { type ProbeReport, type ProbeRow, probeRequestBound, runProbe } from '../probe/index.js';
import { isStreamName, parseStreamList, STREAMS } from '../streams/registry.js';
import { commandContext } from './context.js';
import {
  documentHead,
  exitCodeOf,
  JSON_FLAG,
  JSON_OPTION_HELP,
  type ProbeDocument,
  writeJsonDocument,
} from './json-output.js';
import { runAction } from './run-action.js';
import { type ScopeOptions, withScopeOptions } from './scope-options.js';
import { textTable } from './text-table.js';

const RESULT_WORDS: Record<ProbeRow['result'], string> = {
  holds: 'holds',
  does_not_hold: 'does not',
  unknown: 'could not tell',
};

export function probeTable(rows: readonly ProbeRow[]): string {
  return textTable(
    ['check', 'stream', 'assumption', 'result', 'evidence', 'what sei-sync does'],
    rows.map((row) => [
      row.check,
      row.stream ?? '',
      row.assumption,
      RESULT_WORDS[row.result],
      row.evidence,
      row.action,
    ]),
  );
}

/** The line under the table: requests used, the bound stated, and the budget it fits in. */
export function probeCostLine(report: ProbeReport): string {
  const seconds = Math.ceil((report.requests / report.requestsPerMinute) * 60);
  return (
    `${report.requests} requests${report.retries > 0 ? ` (${report.retries} retries)` : ''} of at most ` +
    `${report.maxRequests} (retries aside), ${seconds} s of the ${report.requestsPerMinute}/minute budget ` +
    '(SEI_REQUESTS_PER_MINUTE)'
  );
}

/** Not ok only when SEI refused the configured key: every other row then says nothing. */
export function probeDocument(report: ProbeReport): ProbeDocument {
  const refused = report.rows.find((row) => row.check === 'auth_scheme' && !row.handled);
  return {
    ...documentHead(
      'probe',
      refused === undefined,
      refused ? { code: 'SEI_ERR_AUTH', message: `SEI refused the key: ${refused.evidence}` } : null,
    ),
    rows: report.rows,
    requests: report.requests,
    retries: report.retries,
    maxRequests: report.maxRequests,
    requestsPerMinute: report.requestsPerMinute,
  };
}

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description(
      'check each assumption the walks make against this SEI (a few requests per stream); prints what holds and what sei-sync does about what does not',
    )
    .option('--streams <names>', 'comma-separated streams (default: SEI_STREAMS, else all)')
    .option('--since <date>', 'probe the history from this date (ISO date or instant; SEI_START_DATE)')
    .option('--integrations <ids>', 'only these integration ids, comma-separated (SEI_INTEGRATION_IDS)')
    .option(JSON_FLAG, JSON_OPTION_HELP)
    .action(
      runAction(async (options: { streams?: string; json?: boolean } & ScopeOptions) => {
        const context = commandContext();
        const config = withScopeOptions(context.config, options);
        if (config.sei.apiKey === undefined)
          throw new Error('SEI_API_KEY is not set; give an SEI Admin API key (or SEI_API_KEY_FILE)');
        const names = options.streams
          ? parseStreamList(options.streams)
          : config.streams.filter(isStreamName);
        const streams = names.map((name) => STREAMS[name]);
        if (!options.json)
          process.stderr.write(
            `probing ${config.sei.baseUrl}: ${streams.length} streams, at most ${probeRequestBound(streams)} requests\n`,
          );
        const report = await runProbe({ config, streams });
        const document = probeDocument(report);
        if (options.json) writeJsonDocument(document);
        else process.stdout.write(`${probeTable(report.rows)}\n\n${probeCostLine(report)}\n`);
        return exitCodeOf(document);
      }),
    );
}
