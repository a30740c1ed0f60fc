/**
 * `sei-sync capture`: records the requests and answers of the sync's own walks against this SEI, up to
 * `--pages` per stream, into a directory a user can attach to a bug report (docs/capture.md).
 * Writes to no database of the user's.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { CAPTURE_DEFAULTS, runCapture } from '../capture/index.js';
import { isStreamName, parseStreamList } from '../streams/registry.js';
import { abortOnSignals, commandContext } from './context.js';
import { runAction } from './run-action.js';
import { type ScopeOptions, withScopeOptions } from './scope-options.js';
import { textTable } from './text-table.js';

interface CaptureCommandOptions extends ScopeOptions {
  streams?: string;
  pages: number;
  out?: string;
  redact?: boolean;
}

function pages(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

/** `sei-capture-20260107-031500` in the current directory. */
function defaultOut(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `sei-capture-${stamp}`;
}

export function registerCapture(program: Command): void {
  program
    .command('capture')
    .description(
      "record the sync's requests and SEI's answers (key never written) for a bug report; writes no database",
    )
    .option('--streams <names>', 'comma-separated streams (default: SEI_STREAMS, else all)')
    .option('--pages <n>', 'list requests recorded per stream', pages, CAPTURE_DEFAULTS.pages)
    .option('--out <dir>', 'new or empty directory to write (default: ./sei-capture-<time>)')
    .option('--redact', 'replace names, emails, titles, summaries and messages with stable hashes')
    .option('--since <date>', 'capture the walk a backfill from this date makes (SEI_START_DATE)')
    .option('--integrations <ids>', 'only these integration ids, comma-separated (SEI_INTEGRATION_IDS)')
    .action(
      runAction(async (options: CaptureCommandOptions) => {
        const context = commandContext({ quietInTerminal: true });
        const { logger } = context;
        const config = withScopeOptions(context.config, options);
        if (config.sei.apiKey === undefined)
          throw new Error('SEI_API_KEY is not set; give an SEI Admin API key (or SEI_API_KEY_FILE)');
        const streams = options.streams
          ? parseStreamList(options.streams)
          : config.streams.filter(isStreamName);
        const out = options.out ?? defaultOut(new Date());
        const interrupt = abortOnSignals(logger);
        try {
          const manifest = await runCapture({
            config,
            streams,
            pages: options.pages,
            out,
            redact: options.redact === true,
            logger,
            signal: interrupt.signal,
          });
          const rows = manifest.streams.map((stream) => [
            stream.stream,
            stream.pages,
            stream.exchanges,
            stream.complete ? 'yes' : 'no',
            stream.reason ? `${stream.status}: ${stream.reason}` : stream.status,
          ]);
          process.stdout.write(
            `${textTable(['stream', 'pages', 'exchanges', 'complete', 'walk'], rows)}\n\n` +
              `${manifest.exchanges} exchanges written to ${out}${manifest.redacted ? ' (redacted)' : ''}; ` +
              'the API key is in none of them. Look through it before you send it' +
              `${manifest.redacted ? '' : ' (--redact hides names, emails, titles and messages)'}.\n` +
              `Replay it: sei-sync simulator --replay ${out}\n`,
          );
          if (manifest.exchanges === 0)
            throw new Error(
              'no exchange was captured: SEI never answered; run `sei-sync doctor` to check the base URL and key',
            );
          return 0;
        } finally {
          interrupt.dispose();
        }
      }),
    );
}
