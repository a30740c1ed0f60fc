/** The engine's collaborators: the layer that follows changes (history) and the observer (metrics). */
import type { StreamName, TableSpec } from '../streams/types.js';
import type { ChangedRow, Executor } from '../warehouse/upsert.js';
import type { StreamRunResult } from './types.js';

/** Follows every change the engine writes, in the same transaction (the SCD-2 history layer). */
export interface ChangeListener {
  onChanged(
    trx: Executor,
    table: TableSpec,
    changed: readonly ChangedRow[],
    at: Date,
    runId: string,
  ): Promise<void>;
  onDeleted(
    trx: Executor,
    table: TableSpec,
    keys: readonly Record<string, unknown>[],
    at: Date,
    runId: string,
  ): Promise<void>;
}

/** Per-page and per-stream notifications, for metrics. */
export interface SyncObserver {
  pageWritten?(
    stream: StreamName,
    page: { records: number; inserted: number; updated: number; unchanged: number; rejected: number },
  ): void;
  streamFinished?(result: StreamRunResult): void;
}
