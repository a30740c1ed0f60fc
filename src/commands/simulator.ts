/**
 * `sei-sync simulator`: runs the SEI API simulator in the foreground (for the demo, manual testing
 * and benchmarks against a separate process) until SIGINT or SIGTERM.
 */
import { type Command, InvalidArgumentError } from 'commander';
import {
  type FaultOptions,
  type LatencyModel,
  LOADED_TENANT_LATENCY,
  QUIRK_PRESETS,
  type QuirkPreset,
  SIMULATOR_DEFAULT_SEED,
  startSimulator,
} from '../simulator/index.js';
import { measurePageServing } from '../simulator/measure.js';
import type { QuirkOptions } from '../simulator/quirks.js';
import { startReplayServer } from '../simulator/replay/index.js';
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
  quirks: QuirkPreset;
  replay?: string;
  replayFallback?: string;
  missingEndpoints?: QuirkOptions['missingEndpoints'];
  ignoreRangeFilter?: QuirkOptions['ignoresRangeFilter'];
  mixedSnapshots?: QuirkOptions['mixedSnapshots'];
}

function quirkPreset(value: string): QuirkPreset {
  if (!(value in QUIRK_PRESETS))
    throw new InvalidArgumentError(`must be one of ${Object.keys(QUIRK_PRESETS).join(', ')}`);
  return value as QuirkPreset;
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

/**
 * Serves a capture until SIGINT or SIGTERM; each request it has no answer for is named on stderr.
 * With `--replay-fallback URL`, a request not captured is forwarded there instead, as it came.
 */
async function serveReplay(
  dir: string,
  options: Pick<SimulatorCommandOptions, 'port' | 'host' | 'replayFallback'>,
) {
  const fallback = options.replayFallback;
  const replay = await startReplayServer({
    dir,
    port: options.port,
    host: options.host,
    ...(fallback !== undefined && { fallback: { baseUrl: fallback } }),
    onMiss: (miss) =>
      process.stderr.write(
        `not captured: ${miss.method} ${miss.path} ${JSON.stringify(miss.body)}; ${miss.hint}\n`,
      ),
  });
  const manifest = replay.manifest;
  const streams = manifest?.streams.map((stream) => stream.stream).join(', ') ?? '';
  process.stdout.write(
    `SEI replay of ${dir} listening on ${replay.url}\n` +
      `  SEI_BASE_URL=${replay.url}\n` +
      (fallback === undefined
        ? '  SEI_API_KEY=replay   (any key is accepted)\n'
        : `  SEI_API_KEY=<a key of ${fallback}>   (a request not captured is forwarded there, the key with it)\n`) +
      `  SEI_SYNC_CLOCK=${manifest?.clock ?? ''}   (a sync on the capture's clock sends the captured requests)\n` +
      `  ${manifest?.exchanges ?? 0} exchanges of ${streams}, up to ${manifest?.pagesPerStream ?? '?'} pages per stream, captured ${manifest?.capturedAt ?? '?'} from ${manifest?.source.host ?? '?'}${manifest?.redacted ? ', redacted' : ''}\n` +
      'Press Ctrl+C to stop.\n',
  );
  await untilStopped();
  await replay.close();
  const forwarded = fallback === undefined ? '' : `, ${replay.forwarded} forwarded to the fallback`;
  process.stdout.write(
    `replay stopped: ${replay.served} answered${forwarded}, ${replay.misses.length} not captured\n`,
  );
  return 0;
}

function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
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
      '--quirks <preset>',
      "the server's quirks: strict (as SEI's code behaves) or polite (none; every `probe` check holds)",
      quirkPreset,
      'strict',
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
    .option('--replay <dir>', 'instead of simulating, serve a capture (`sei-sync capture --out`)')
    .option(
      '--replay-fallback <url>',
      'with --replay: forward each request not captured to this SEI, as it came (the key too), and give its answer',
    )
    .action(
      runAction(async (options: SimulatorCommandOptions) => {
        if (options.replay !== undefined) return serveReplay(options.replay, options);
        if (options.replayFallback !== undefined)
          throw new InvalidArgumentError('--replay-fallback: with --replay only');
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
            ...QUIRK_PRESETS[options.quirks],
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
            `${options.hostile ? `, hostile share ${options.hostile}` : ''}, ${options.quirks} quirks\n` +
            'Press Ctrl+C to stop.\n',
        );
        await untilStopped();
        await simulator.close();
        process.stdout.write(`simulator stopped after ${simulator.requestLog.length} requests\n`);
        return 0;
      }),
    );
}
