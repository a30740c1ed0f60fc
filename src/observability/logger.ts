import { destination, type Logger, pino } from 'pino';

export type { Logger };

/**
 * Paths that pino blanks out whatever logs them. The key is also a `Secret` (prints as `[redacted]`);
 * this is the second lock on the same door, for headers copied by other libraries.
 */
const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'headers.authorization',
  '*.headers.authorization',
  'authorization',
  '*.authorization',
  'password',
  '*.password',
];

export interface LoggerOptions {
  level?: string;
  /** Write to this stream instead of stdout (tests). */
  destination?: NodeJS.WritableStream;
}

/** The root logger. Children carry `runId`, `stream` and `page` (see sync/). */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    options.destination ?? destination({ dest: 2, sync: true }),
  );
}

/** A logger that drops everything, for library calls made without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
