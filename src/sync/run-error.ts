/**
 * Any failure as a stream run's error: its own stable `code` (and `retryable`) when it carries them,
 * otherwise `SEI_SYNC_ERR_INTERNAL`, retryable (a database restarting is worth another try). One line,
 * for the ledger and the `--json` documents.
 */
import type { StreamRunError } from './types.js';

export const INTERNAL_ERROR_CODE = 'SEI_SYNC_ERR_INTERNAL';

export function toStreamRunError(error: unknown): StreamRunError {
  const { code, retryable } = (error ?? {}) as { code?: unknown; retryable?: unknown };
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: typeof code === 'string' ? code : INTERNAL_ERROR_CODE,
    message: message.split('\n')[0] ?? '',
    retryable: typeof retryable === 'boolean' ? retryable : true,
  };
}
