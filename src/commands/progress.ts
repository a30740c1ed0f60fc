/**
 * Progress of a running sync: one bar per stream in a terminal, a log line per stream every few
 * seconds otherwise (cron jobs and containers have no terminal to redraw).
 */
import cliProgress from 'cli-progress';
import type { AnyStreamName } from '../streams/types.js';
import type { SyncProgress } from '../sync/index.js';
import { RepeatedLines } from './log-relay.js';

export interface ProgressReporter {
  update(progress: SyncProgress): void;
  /** The stream ended with `outcome`; `complete` fills its bar (default: when it `succeeded`). */
  done(stream: AnyStreamName, outcome: string, complete?: boolean): void;
  /** A log line (JSON) written while the reporter runs: shown above the bars, repeats counted. */
  log(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Draw bars; defaults to whether stderr is a terminal. */
  interactive?: boolean;
  /** Interval of the log lines when not interactive. @defaultValue 10000 */
  logIntervalMs?: number;
  /** What `pages` counts, as shown (`renormalize` reports batches). @defaultValue 'pages' */
  unit?: string;
  write?: (line: string) => void;
  /** Where bars are drawn. @defaultValue process.stderr */
  output?: NodeJS.WritableStream;
  /** Bars show pages and records, or only the stream's state (`verify`). @defaultValue 'pages' */
  show?: 'pages' | 'state';
}

export function createProgressReporter(
  streams: readonly AnyStreamName[],
  options: ProgressOptions = {},
): ProgressReporter {
  const interactive = options.interactive ?? Boolean(process.stderr.isTTY);
  const unit = options.unit ?? 'pages';
  return interactive
    ? barReporter(streams, unit, options)
    : lineReporter(options.logIntervalMs ?? 10_000, unit, options.write);
}

function barReporter(
  streams: readonly AnyStreamName[],
  unit: string,
  options: ProgressOptions,
): ProgressReporter {
  const width = Math.max(...streams.map((stream) => stream.length));
  const output = options.output ?? process.stderr;
  const multibar = new cliProgress.MultiBar(
    {
      stream: output,
      hideCursor: true,
      clearOnComplete: false,
      format:
        options.show === 'state'
          ? '{stream} [{bar}] {state}'
          : `{stream} [{bar}] {value}/{total} ${unit} | {records} records {state}`,
    },
    cliProgress.Presets.shades_classic,
  );
  const initialState = options.show === 'state' ? '…' : '';
  const bars = new Map(
    streams.map((stream) => [
      stream,
      multibar.create(1, 0, { stream: stream.padEnd(width), records: 0, state: initialState }),
    ]),
  );
  const lines = new RepeatedLines();
  let stopped = false;
  return {
    update(progress) {
      const bar = bars.get(progress.stream);
      const total = Math.max(progress.estimatedPages ?? progress.pages + 1, progress.pages);
      bar?.setTotal(total);
      bar?.update(progress.pages, { records: progress.records.toLocaleString('en-US') });
    },
    done(stream, outcome, complete = outcome === 'succeeded') {
      const bar = bars.get(stream);
      // A finished walk is complete whatever the estimate said; a failed one stays where it stopped.
      if (complete) bar?.update(bar.getTotal(), { state: outcome });
      else bar?.update({ state: outcome });
    },
    log(line) {
      const text = lines.add(line);
      if (text !== undefined) multibar.log(`${text}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      // A redraw writes the lines logged since the last one; stop() alone would drop them.
      multibar.update();
      multibar.stop();
      for (const repeat of lines.repeats()) output.write(`${repeat}\n`);
    },
  };
}

function lineReporter(
  intervalMs: number,
  unit: string,
  write: (line: string) => void = (line) => {
    process.stderr.write(`${line}\n`);
  },
): ProgressReporter {
  const latest = new Map<AnyStreamName, SyncProgress>();
  const changed = new Set<AnyStreamName>();
  const timer = setInterval(() => {
    for (const stream of changed) {
      const progress = latest.get(stream)!;
      const of = progress.estimatedPages ? `/${progress.estimatedPages}` : '';
      write(`[progress] ${stream}: ${progress.pages}${of} ${unit}, ${progress.records} records`);
    }
    changed.clear();
  }, intervalMs);
  timer.unref();
  return {
    update(progress) {
      latest.set(progress.stream, progress);
      changed.add(progress.stream);
    },
    done(stream, outcome) {
      changed.delete(stream);
      write(`[progress] ${stream}: ${outcome}`);
    },
    // No bars to protect: log lines stay the JSON a machine reads.
    log(line) {
      process.stderr.write(`${line}\n`);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
