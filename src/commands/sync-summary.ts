/** The summary of a sync run: the table printed at the end of `sync` and `demo`, and `sync --json`. */

import { SEI_ERROR_CODES } from '../errors.js';
import type { RunSyncResult, StreamRunResult } from '../sync/index.js';
import {
  documentHead,
  type JsonError,
  type RunJson,
  type SyncDocument,
  streamResultJson,
} from './json-output.js';
import { type Cell, textTable } from './text-table.js';

const HEADERS = [
  'stream',
  'status',
  'pages',
  'records',
  'inserted',
  'updated',
  'unchanged',
  'deleted',
  'rejected',
  'sanitized',
  'requests',
  '429s',
  'seconds',
  'error / note',
] as const;

/** The widest error or note shown in the table; longer ones are cut there and given whole below it. */
export const NOTE_CELL_CHARS = 80;

function noteOf(result: StreamRunResult): string {
  if (result.status === 'not_run') return result.reason;
  return result.status === 'failed' ? `${result.error.code}: ${result.error.message}` : (result.note ?? '');
}

/** The summary table, then the whole text of each error or note too long for its cell. */
export function syncSummaryTable(results: readonly StreamRunResult[]): string {
  const cell = (text: string) =>
    text.length > NOTE_CELL_CHARS ? `${text.slice(0, NOTE_CELL_CHARS - 13).trimEnd()}… (see below)` : text;
  const rows = results.map((result): Cell[] => {
    if (result.status === 'not_run')
      // No counts: blank cells between the status and the reason.
      return [result.stream, 'not run', ...Array<Cell>(HEADERS.length - 3).fill(null), cell(result.reason)];
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
      c.sanitized,
      c.requests,
      c.rateLimited,
      Math.round(result.durationMs / 100) / 10,
      cell(noteOf(result)),
    ];
  });
  const long = results.filter((result) => noteOf(result).length > NOTE_CELL_CHARS);
  const details = long.map((result) => `  ${result.stream}: ${noteOf(result)}`);
  return [textTable([...HEADERS], rows), ...(details.length > 0 ? ['', 'in full:', ...details] : [])].join(
    '\n',
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
 * When every stream failed for the same reason that retrying now cannot fix (a bad key, a wrong URL, a
 * host that is not there), that reason is the whole story: one line instead of a table repeating it.
 */
export function commonFatalError(results: readonly StreamRunResult[]): JsonError | undefined {
  const errors = results.map((result) =>
    result.status === 'failed' &&
    (!result.error.retryable || result.error.code === SEI_ERROR_CODES.unreachable)
      ? result.error
      : undefined,
  );
  const first = errors[0];
  if (first === undefined || errors.some((error) => error?.code !== first.code)) return undefined;
  return { code: first.code, message: first.message };
}

/** A finished run as the `--json` documents show it. */
export function runJson(
  run: RunSyncResult,
  details: { startedAt: Date; finishedAt: Date; database: string },
): RunJson {
  return {
    id: run.runId,
    status: run.status,
    startedAt: details.startedAt.toISOString(),
    finishedAt: details.finishedAt.toISOString(),
    durationMs: details.finishedAt.getTime() - details.startedAt.getTime(),
    database: details.database,
  };
}

/** What `sync --json` prints: the run and every stream's result (./json-output.ts). */
export function syncDocument(
  run: RunSyncResult,
  details: { fullRefresh: boolean; startedAt: Date; finishedAt: Date; database: string },
): SyncDocument {
  const common = runJson(run, details);
  return {
    ...documentHead('sync', run.status === 'succeeded', commonFatalError(run.results) ?? null),
    run: {
      ...common,
      fullRefresh: details.fullRefresh,
      recordsPerSecond: totalRecordsPerSecond(run.results, common.durationMs),
    },
    streams: run.results.map(streamResultJson),
  };
}
