/**
 * `sei-sync renormalize`: re-derives typed columns and child rows from the stored `raw` records
 * (src/renormalize/renormalize.ts); reads and writes the database only, never SEI.
 */
import type { Command } from 'commander';
import { RENORMALIZE_DEFAULTS, renormalize } from '../renormalize/index.js';
import { assertMigrated } from '../state/index.js';
import { parseStreamList } from '../streams/registry.js';
import { STREAM_NAMES } from '../streams/types.js';
import { abortOnSignals, commandContext } from './context.js';
import {
  documentHead,
  exitCodeOf,
  JSON_FLAG,
  JSON_OPTION_HELP,
  type RenormalizeDocument,
  streamResultJson,
  writeJsonDocument,
} from './json-output.js';
import { withWarehouse } from './open-warehouse.js';
import { createProgressReporter } from './progress.js';
import { runAction } from './run-action.js';
import { runJson } from './sync-summary.js';
import { textTable } from './text-table.js';

interface RenormalizeCommandOptions {
  streams?: string;
  batchSize?: string;
  restart?: boolean;
  json?: boolean;
}

const MAX_BATCH_SIZE = 10_000;

function parseBatchSize(value: string | undefined): number {
  if (value === undefined) return RENORMALIZE_DEFAULTS.batchSize;
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_SIZE)
    throw new Error(`--batch-size must be a whole number from 1 to ${MAX_BATCH_SIZE} (got ${value})`);
  return size;
}

function renormalizeTable(document: RenormalizeDocument): string {
  return textTable(
    ['stream', 'status', 'batches', 'rows', 'changed', 'unchanged', 'rejected', 'seconds', 'error'],
    document.streams.map((s) => [
      s.stream,
      s.status === 'not_run' ? 'not run' : s.status,
      s.counts?.pages,
      s.counts?.records,
      s.counts?.updated,
      s.counts?.unchanged,
      s.counts?.rejected,
      s.durationMs === null ? null : Math.round(s.durationMs / 100) / 10,
      s.error ? `${s.error.code}: ${s.error.message}` : (s.reason ?? ''),
    ]),
  );
}

export function registerRenormalize(program: Command): void {
  program
    .command('renormalize')
    .description(
      're-derive typed columns and child rows from the stored raw records (after a normalizer changed); no API calls, resumable',
    )
    .option('--streams <names>', `comma-separated streams (default: all of ${STREAM_NAMES.join(', ')})`)
    .option(
      '--batch-size <rows>',
      `rows per transaction (default ${RENORMALIZE_DEFAULTS.batchSize}, at most ${MAX_BATCH_SIZE})`,
    )
    .option('--restart', 'start from the first row even when an interrupted renormalize could resume')
    .option(JSON_FLAG, JSON_OPTION_HELP)
    .action(
      runAction(async (options: RenormalizeCommandOptions) => {
        const json = options.json === true;
        const { config, logger } = commandContext({ quietInTerminal: !json });
        const streams = options.streams ? parseStreamList(options.streams) : [...STREAM_NAMES];
        const batchSize = parseBatchSize(options.batchSize);
        return withWarehouse(config, async (warehouse) => {
          await assertMigrated(warehouse);
          const interrupt = abortOnSignals(logger);
          const progress = createProgressReporter(streams, {
            unit: 'batches',
            ...(json && { interactive: false }),
          });
          const startedAt = new Date();
          try {
            const run = await renormalize({
              warehouse,
              streams,
              logger,
              batchSize,
              restart: options.restart ?? false,
              signal: interrupt.signal,
              onProgress: (update) => progress.update(update),
              onStreamFinished: (result) => progress.done(result.stream, result.status),
            });
            progress.stop();
            const document: RenormalizeDocument = {
              ...documentHead('renormalize', run.status === 'succeeded'),
              run: runJson(run, { startedAt, finishedAt: new Date(), database: warehouse.location }),
              streams: run.results.map(streamResultJson),
            };
            if (json) writeJsonDocument(document);
            else {
              const changed = document.streams.reduce((sum, s) => sum + (s.counts?.updated ?? 0), 0);
              const rows = document.streams.reduce((sum, s) => sum + (s.counts?.records ?? 0), 0);
              process.stdout.write(
                `${renormalizeTable(document)}\n\nrun ${run.runId}: ${run.status} in ${(document.run.durationMs / 1000).toFixed(1)} s, ${changed} of ${rows} rows changed in ${warehouse.location}\n`,
              );
            }
            return exitCodeOf(document);
          } finally {
            progress.stop();
            interrupt.dispose();
          }
        });
      }),
    );
}
