/**
 * `renormalize`: re-derives the typed columns and child rows of every stored row from its `raw`
 * record, through the stream's current normalizer, without a single API call. For when a normalizer
 * changed (a fix, a new typed column: see migrations/index.ts): a `--full-refresh` would cost hours
 * of SEI budget on a large tenant, although every record is already stored.
 *
 * Per stream, under the stream's lock (a sync of the same stream waits, and vice versa): the table is
 * walked in primary-key order, in batches; each batch's rewrites, rejects and checkpoint commit in one
 * transaction, so a killed pass resumes after the last committed batch. The run is recorded in the
 * ledger with trigger `renormalize` (`counts.pages` = batches, `records` = rows read, `updated` = rows
 * whose typed columns or child rows changed, `unchanged`, `rejected`); freshness ignores it.
 *
 * A row whose `raw` no longer normalizes, or normalizes to another key, is recorded in
 * `sei_sync.rejects` and left as it is. History versions are never written: `raw` does not change.
 */

import { SYNC_ERROR_CODES } from '../errors.js';
import { insertRejects, type RejectRow } from '../load/rejects.js';
import { normalizePage } from '../normalize/page.js';
import type { Logger } from '../observability/logger.js';
import { finishRun, finishStreamRun, startRun, startStreamRun } from '../state/ledger.js';
import type { Warehouse } from '../state/open.js';
import { KEY_SEPARATOR, keyText } from '../state/sql-text.js';
import { withStreamLock } from '../state/stream-lock.js';
import { STREAMS } from '../streams/registry.js';
import type { Row, StreamDefinition, StreamName } from '../streams/types.js';
import { zeroCounts } from '../sync/counts.js';
import { toRunError } from '../sync/run-error.js';
import type { RunSyncResult } from '../sync/run-sync.js';
import {
  RENORMALIZE_TRIGGER,
  type StreamCounts,
  type StreamRunResult,
  type SyncProgress,
} from '../sync/types.js';
import {
  advanceRenormalize,
  beginRenormalize,
  completeRenormalize,
  readRenormalizeCheckpoint,
} from './checkpoints.js';
import { countStoredRows, readStoredRows, rewriteDerived, type StoredRow } from './rows.js';

export interface RenormalizeOptions {
  warehouse: Warehouse;
  streams: readonly StreamName[];
  logger: Logger;
  /** Rows per batch (one transaction each). @defaultValue 1000 */
  batchSize?: number;
  /** Start from the first row even when an interrupted pass could resume. @defaultValue false */
  restart?: boolean;
  /** Aborting stops after the current batch commits; the next run resumes there. */
  signal?: AbortSignal;
  /** `pages` counts batches. */
  onProgress?: (progress: SyncProgress) => void;
  onStreamFinished?: (result: StreamRunResult) => void;
  /** @defaultValue every stream of the registry */
  definitions?: Readonly<Record<StreamName, StreamDefinition>>;
}

export const RENORMALIZE_DEFAULTS = { batchSize: 1000 } as const;

interface DerivedBatch {
  rows: Row[];
  childRows: Record<string, Row[]>;
  rejects: RejectRow[];
}

/**
 * Normalizes stored records one by one (the same `normalizePage` a sync uses), so each derived row is
 * paired with the row it came from: one whose key no longer matches its stored key would overwrite
 * another row, so it is rejected instead.
 */
export function deriveStoredRows(stream: StreamDefinition, stored: readonly StoredRow[]): DerivedBatch {
  const batch: DerivedBatch = {
    rows: [],
    childRows: Object.fromEntries(stream.children.map((child) => [child.name, []])),
    rejects: [],
  };
  for (const { key, raw } of stored) {
    const storedKey = key.join(KEY_SEPARATOR);
    const shownKey = key.join(':');
    const page = normalizePage(stream, [raw]);
    for (const reject of page.rejects)
      batch.rejects.push({
        recordKey: reject.recordKey ?? shownKey,
        reason: `renormalize: ${reject.reason}`,
        raw,
      });
    const row = page.rows[0];
    if (row === undefined) continue;
    const derivedKey = keyText(row, stream.table.key);
    if (derivedKey !== storedKey) {
      batch.rejects.push({
        recordKey: shownKey,
        reason: `renormalize: the record now normalizes to key ${derivedKey.split(KEY_SEPARATOR).join(':')}; left as stored (a --full-refresh sync re-keys it)`,
        raw,
      });
      continue;
    }
    batch.rows.push(row);
    for (const [name, rows] of Object.entries(page.childRows)) batch.childRows[name]?.push(...rows);
  }
  return batch;
}

export class RenormalizeInterruptedError extends Error {
  readonly code = SYNC_ERROR_CODES.interrupted;
  readonly retryable = true;
  constructor(stream: string) {
    super(`${stream}: renormalize interrupted; the next run resumes after the last committed batch`);
    this.name = 'RenormalizeInterruptedError';
  }
}

async function renormalizeStream(
  options: RenormalizeOptions,
  stream: StreamDefinition,
  runId: string,
  counts: StreamCounts,
  log: Logger,
): Promise<{ resumedAfter: string[] | null }> {
  const { db } = options.warehouse;
  const batchSize = options.batchSize ?? RENORMALIZE_DEFAULTS.batchSize;
  const checkpoint = options.restart ? undefined : await readRenormalizeCheckpoint(db, stream.name);
  if (checkpoint === undefined) await beginRenormalize(db, stream.name, runId);
  let afterKey = checkpoint?.afterKey ?? null;
  const resumedAfter = afterKey;
  if (checkpoint)
    log.info({ afterKey, rowsDone: checkpoint.rowsDone }, 'resuming an interrupted renormalize');
  // Rows left to do, for progress only (rows written meanwhile by nobody: the stream lock is held).
  const estimatedRows = Math.max(0, (await countStoredRows(db, stream.table)) - (checkpoint?.rowsDone ?? 0));
  for (;;) {
    if (options.signal?.aborted) throw new RenormalizeInterruptedError(stream.name);
    const stored = await readStoredRows(db, stream.table, afterKey, batchSize);
    if (stored.length === 0) break;
    const derived = deriveStoredRows(stream, stored);
    const lastKey = stored[stored.length - 1]!.key;
    const changed = await db.transaction().execute(async (trx) => {
      const keys = await rewriteDerived(trx, {
        table: stream.table,
        children: stream.children,
        rows: derived.rows,
        childRows: derived.childRows,
        runId,
      });
      await insertRejects(trx, runId, stream.name, derived.rejects);
      await advanceRenormalize(trx, stream.name, lastKey, stored.length);
      return keys.size;
    });
    afterKey = lastKey;
    counts.pages += 1;
    counts.records += stored.length;
    counts.updated += changed;
    counts.unchanged += derived.rows.length - changed;
    counts.rejected += derived.rejects.length;
    for (const reject of derived.rejects)
      log.warn({ recordKey: reject.recordKey, reason: reject.reason }, 'record rejected');
    log.debug({ batch: counts.pages, rows: stored.length, changed }, 'batch committed');
    options.onProgress?.({
      stream: stream.name,
      pages: counts.pages,
      records: counts.records,
      estimatedPages: Math.max(counts.pages, Math.ceil(estimatedRows / batchSize)),
    });
  }
  await completeRenormalize(db, stream.name);
  return { resumedAfter };
}

async function runStream(
  options: RenormalizeOptions,
  stream: StreamDefinition,
  runId: string,
): Promise<StreamRunResult> {
  const started = Date.now();
  const counts = zeroCounts();
  const log = options.logger.child({ runId, stream: stream.name });
  const { db } = options.warehouse;
  try {
    return await withStreamLock(options.warehouse, stream.name, async (): Promise<StreamRunResult> => {
      await startStreamRun(db, runId, stream.name);
      try {
        const summary = await renormalizeStream(options, stream, runId, counts, log);
        await finishStreamRun(db, runId, stream.name, { status: 'succeeded', counts, summary });
        log.info({ ...counts }, 'stream renormalized');
        return { stream: stream.name, status: 'succeeded', counts, durationMs: Date.now() - started };
      } catch (caught) {
        const error = toRunError(caught);
        log.warn({ code: error.code, err: error.message, ...counts }, 'renormalize stopped');
        await finishStreamRun(db, runId, stream.name, { status: 'failed', counts, error }).catch(() => {});
        return { stream: stream.name, status: 'failed', counts, durationMs: Date.now() - started, error };
      }
    });
  } catch (caught) {
    // Only the lock can fail here: a sync holds the stream (SEI_SYNC_ERR_STREAM_BUSY), or the database
    // is unreachable; both are worth another run later.
    const error = toRunError(caught);
    log.warn({ code: error.code }, error.message);
    return { stream: stream.name, status: 'failed', counts, durationMs: Date.now() - started, error };
  }
}

/** Renormalizes the streams one after the other, in one run of the ledger. */
export async function renormalize(options: RenormalizeOptions): Promise<RunSyncResult> {
  const definitions = options.definitions ?? STREAMS;
  const { db } = options.warehouse;
  const runId = await startRun(db, {
    trigger: RENORMALIZE_TRIGGER,
    streams: options.streams,
    fullRefresh: false,
  });
  const results: StreamRunResult[] = [];
  for (const name of options.streams) {
    const result: StreamRunResult = options.signal?.aborted
      ? { stream: name, status: 'not_run', reason: 'interrupted before it started' }
      : await runStream(options, definitions[name], runId);
    options.onStreamFinished?.(result);
    results.push(result);
  }
  const status = await finishRun(db, runId, results);
  return { runId, status, results };
}
