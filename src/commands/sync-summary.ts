/** The table printed at the end of `sync` and `demo`. */
import type { StreamRunResult } from '../sync/types.js';
import { textTable } from './text-table.js';

export function syncSummaryTable(results: readonly StreamRunResult[]): string {
  const rows = results.map((result) => {
    if (result.status === 'not_run')
      return [
        result.stream,
        'not run',
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        result.reason,
      ];
    const c = result.counts;
    return [
      result.stream,
      result.status,
      c.pages,
      c.records,
      c.inserted,
      c.updated,
      c.unchanged,
      c.deleted,
      c.rejected,
      c.requests,
      c.rateLimited,
      Math.round(result.durationMs / 100) / 10,
      result.status === 'failed' ? `${result.error.code}: ${result.error.message}` : '',
    ];
  });
  return textTable(
    [
      'stream',
      'status',
      'pages',
      'records',
      'inserted',
      'updated',
      'unchanged',
      'deleted',
      'rejected',
      'requests',
      '429s',
      'seconds',
      'error',
    ],
    rows,
  );
}

export function totalRecordsPerSecond(results: readonly StreamRunResult[], elapsedMs: number): number {
  const records = results.reduce(
    (sum, result) => sum + (result.status === 'not_run' ? 0 : result.counts.records),
    0,
  );
  return elapsedMs > 0 ? Math.round((records / elapsedMs) * 1000) : 0;
}

/**
 * When every stream failed for the same reason that retrying cannot fix (a bad key, a wrong URL), that
 * reason is the whole story: one line instead of a table repeating it per stream.
 */
export function commonFatalError(results: readonly StreamRunResult[]): string | undefined {
  const errors = results.map((result) =>
    result.status === 'failed' && !result.error.retryable ? result.error : undefined,
  );
  const first = errors[0];
  if (first === undefined || errors.some((error) => error?.code !== first.code)) return undefined;
  return `${first.code}: ${first.message}`;
}
