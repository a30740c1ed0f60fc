/** The engine's collaborator: the layer that follows changes (history). */

import type { TableSpec } from '../streams/types.js';
import type { ChangedRow, Executor } from './upsert.js';

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
