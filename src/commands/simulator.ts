/**
 * `sei-sync simulator`: runs the SEI API simulator in the foreground (for the demo, manual testing
 * and benchmarks against a separate process) until SIGINT or SIGTERM.
 */
import { type Command, InvalidArgumentError } from 'commander';
import {
  type FaultOptions,
  type LatencyModel,
  LOADED_TENANT_LATENCY,
  SIMULATOR_DEFAULT_SEED,
  startSimulator,
} from '../simulator/index.js';
import { measurePageServing } from '../simulator/measure.js';
import type { ServerQuirks } from '../simulator/types.js';
import { parseStreamList } from '../streams/registry.js';
import { runAction } from './run-action.js';

/** The port the command listens on unless told otherwise (tests use port 0 through the API). */
export const SIMULATOR_COMMAND_DEFAULT_PORT = 8700;

interface SimulatorCommandOptions {
  port: number;
  host: string;
  records?: number;
  seed: number;
  fault429?: number;
  fault503?: number;
  fault500?: number;
  faultReset?: number;
  faultTruncate?: number;
  faultSlow?: number;
  slowMs?: number;
  retryAfter?: number;
  hostile?: number;
  measure?: boolean;
  latency?: LatencyModel;
  missingEndpoints?: ServerQuirks['missingEndpoints'];
  ignoreRangeFilter?: ServerQuirks['ignoresRangeFilter'];
  mixedSnapshots?: ServerQuirks['mixedSnapshots'];
}

/** `loaded` (a loaded tenant: 300 ms + 0.5 ms/record + 10 ms per 1,000 skipped) or `fixed,perRecord,perThousandSkipped` in ms. */
function latencyModel(value: string): LatencyModel {
  if (value === 'loaded') return LOADED_TENANT_LATENCY;
  const parts = value.split(',').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n) || n < 0))
    throw new InvalidArgumentError(
      'must be "loaded" or three numbers of ms: fixed,perRecord,perThousandSkipped',
    );
  const [fixedMs = 0, perRecordMs = 0, perThousandSkippedMs = 0] = parts;
  return { fixedMs, perRecordMs, perThousandSkippedMs };
}

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function probability(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError('must be a probability in [0, 1]');
  return n;
}

export function registerSimulator(program: Command): void {
  program
    .command('simulator')
    .description('serve a simulated SEI API (seeded dataset, SEI quirks, optional faults) until interrupted')
    .option('--port <n>', 'port (0 picks a free one)', integer('port', 0), SIMULATOR_COMMAND_DEFAULT_PORT)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--records <n>',
      'records per large stream (jira, workitems, PRs, commits, job runs)',
      integer('records', 0),
    )
    .option(
      '--seed <n>',
      'dataset and fault seed (same seed, same data)',
      integer('seed', 0),
      SIMULATOR_DEFAULT_SEED,
    )
    .option('--fault-429 <p>', 'probability of 429 without Retry-After', probability)
    .option('--fault-503 <p>', 'probability of 503 with Retry-After', probability)
    .option('--fault-500 <p>', 'probability of 500 with an HTML body', probability)
    .option('--fault-reset <p>', 'probability of a connection reset before any byte', probability)
    .option('--fault-truncate <p>', 'probability of a truncated body', probability)
    .option('--fault-slow <p>', 'probability of a slow answer', probability)
    .option('--slow-ms <ms>', 'delay of a slow answer (ms)', integer('slow-ms', 0))
    .option('--retry-after <s>', 'Retry-After of the 503s (s)', integer('retry-after', 0))
    .option(
      '--latency <model>',
      'answer delay: "loaded" (300 ms + 0.5 ms/record + 10 ms per 1000 skipped) or fixed,perRecord,perThousandSkipped ms',
      latencyModel,
    )
    .option(
      '--hostile <fraction>',
      "share of each stream's records with a hostile value (NUL, lone surrogate, absurd instant, bad key, ...)",
      probability,
    )
    .option(
      '--missing-endpoints <streams>',
      'streams whose list answers 404 (not served by this SEI)',
      parseStreamList,
    )
    .option(
      '--ignore-range-filter <streams>',
      'streams whose list ignores its time range filter',
      parseStreamList,
    )
    .option(
      '--mixed-snapshots <streams>',
      'streams whose records carry two ingested_at values for good (every walk sees two snapshots)',
      parseStreamList,
    )
    .option('--measure', 'instead of serving, time 1000-record Jira pages over loopback and exit')
    .action(
      runAction(async (options: SimulatorCommandOptions) => {
        if (options.measure) {
          const m = await measurePageServing({ records: options.records ?? 100_000, seed: options.seed });
          process.stdout.write(
            `${m.records} Jira issues, ${m.pageSize}-record pages (${Math.round(m.bytesPerPage / 1024)} KiB):\n` +
              `  first page (sorts the stream): ${m.firstPageMs.toFixed(0)} ms\n` +
              `  new pages: ${m.coldMsPerPage.toFixed(1)} ms/page (${m.coldRecordsPerSecond} records/s), ` +
              `CPU ${m.coldCpuMsPerPage.toFixed(1)} ms/page (server + client), ` +
              `simulator busy ${m.coldServerMsPerPage.toFixed(1)} ms/page\n` +
              `  same pages again (JSON cached): ${m.warmMsPerPage.toFixed(1)} ms/page\n`,
          );
          return 0;
        }
        const faults: Partial<FaultOptions> = {};
        const set = (name: keyof FaultOptions, value: number | undefined) => {
          if (value !== undefined) faults[name] = value;
        };
        set('rateLimited', options.fault429);
        set('unavailable', options.fault503);
        set('serverError', options.fault500);
        set('connectionReset', options.faultReset);
        set('truncatedBody', options.faultTruncate);
        set('slow', options.faultSlow);
        set('slowMs', options.slowMs);
        set('retryAfterSeconds', options.retryAfter);
        const simulator = await startSimulator({
          port: options.port,
          host: options.host,
          seed: options.seed,
          faults,
          ...(options.records !== undefined ? { records: options.records } : {}),
          ...(options.latency && { latency: options.latency }),
          ...(options.hostile !== undefined ? { hostile: options.hostile } : {}),
          quirks: {
            ...(options.missingEndpoints && { missingEndpoints: options.missingEndpoints }),
            ...(options.ignoreRangeFilter && { ignoresRangeFilter: options.ignoreRangeFilter }),
            ...(options.mixedSnapshots && { mixedSnapshots: options.mixedSnapshots }),
          },
        });
        // The simulator's keys are test keys, not secrets: printing them is how users get them.
        process.stdout.write(
          `SEI simulator listening on ${simulator.url}\n` +
            `  SEI_BASE_URL=${simulator.url}\n` +
            `  SEI_API_KEY=${simulator.adminKey}   (Admin role; Ingestion key: ${simulator.ingestionKey})\n` +
            `  records per large stream: ${simulator.dataset.count('jira_issues')}, seed ${options.seed}` +
            `${options.hostile ? `, hostile share ${options.hostile}` : ''}\n` +
            'Press Ctrl+C to stop.\n',
        );
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        await simulator.close();
        process.stdout.write(`simulator stopped after ${simulator.requestLog.length} requests\n`);
        return 0;
      }),
    );
}
