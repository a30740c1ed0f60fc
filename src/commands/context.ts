/** What most commands start with: the configuration and a logger that writes to stderr. */
import { setMaxListeners } from 'node:events';
import { type Config, loadConfig } from '../config.js';
import { createLogger, type Logger } from '../observability/logger.js';

export interface CommandContext {
  config: Config;
  logger: Logger;
}

/**
 * In a terminal the progress bars are the output; log lines below `warn` would tear them apart, so
 * they are shown only when LOG_LEVEL asks for them explicitly.
 */
export function commandContext(
  options: { quietInTerminal?: boolean; destination?: NodeJS.WritableStream } = {},
): CommandContext {
  const config = loadConfig();
  const explicitLevel = process.env.LOG_LEVEL !== undefined && process.env.LOG_LEVEL !== '';
  const level = options.quietInTerminal && process.stderr.isTTY && !explicitLevel ? 'warn' : config.logLevel;
  return {
    config,
    logger: createLogger({ level, ...(options.destination && { destination: options.destination }) }),
  };
}

/** Aborts the signal on the first SIGINT/SIGTERM (finish the page, keep the checkpoint); the second exits at once. */
export function abortOnSignals(logger: Logger): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  // One signal for every stream the command runs at once (22 verify at once): fan-out, not a leak.
  setMaxListeners(0, controller.signal);
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    logger.warn({ signal }, 'stopping after the current page (send again to exit at once)');
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
