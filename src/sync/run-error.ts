/**
 * Any failure as a stream run's error, in one line for the ledger and the `--json` documents: its own
 * stable `code` (and `retryable`) when it carries them, otherwise `SEI_SYNC_ERR_INTERNAL`, retryable (a
 * database restarting is worth another try), naming any foreign code in the message. A stop on request is an interruption, not a failure.
 */

import { codedLine, SEI_ERROR_CODES, SYNC_ERROR_CODES } from '../errors.js';
import { classify, SeiError } from '../extract/sei/errors.js';
import { describeServiceError } from '../service-errors.js';
import type { StreamRunError } from './types.js';

/** `databaseAddress` (host:port/db) names the database when the failure is the database going away. */
export function toRunError(error: unknown, databaseAddress?: string): StreamRunError {
  // A database gone mid-walk (restart, shutdown): say so, where, and that a rerun resumes.
  const lost =
    databaseAddress === undefined ? undefined : describeServiceError('PostgreSQL', databaseAddress, error);
  if (lost) return { code: lost.code, message: lost.message, retryable: lost.retryable };
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  if (error instanceof SeiError) return { code: error.code, message, retryable: classify(error) !== 'fatal' };
  const { retryable } = (error ?? {}) as { retryable?: unknown };
  return {
    ...codedLine(error, SYNC_ERROR_CODES.internal, message),
    retryable: typeof retryable === 'boolean' ? retryable : true,
  };
}

/**
 * A stream stopped on request (SIGINT, SIGTERM, a worker's shutdown), whatever it was doing then: not
 * a failure, its walk resumes where its last page committed (the ledger says `interrupted`).
 */
export function interruption(signal: AbortSignal): StreamRunError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'stopped';
  return {
    code: SEI_ERROR_CODES.aborted,
    message: `${reason}; the next run resumes where it stopped`,
    retryable: true,
  };
}
