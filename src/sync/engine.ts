/**
 * `syncStream`: the one path every mode uses to copy a stream from SEI into the warehouse.
 *
 *   1. take the stream's lock (one process per stream, whatever the number of workers);
 *   2. plan the walk from the checkpoint (resume at the next page, or a new window);
 *   3. walk pages; per page, normalize and write rows, rejects, seen keys and the checkpoint in ONE
 *      transaction (on PostgreSQL two pages at once, committed in page order: ./ordered-writes.ts;
 *      with one writer, the walker fetches the next page meanwhile);
 *   4. heal: when the walk saw pages shift (duplicates, a drifting total), re-read from just before
 *      the first anomaly until a pass is clean, so that no record is missed;
 *   5. finish: full-refresh streams mark rows the complete, clean walk did not return as deleted;
 *      incremental streams move their cursor to the walk's upper bound.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { ListClient } from '../sei/client.js';
import { classify, SeiError } from '../sei/errors.js';
import { PageWalker, type WalkedPage, type WalkSummary } from '../sei/walker.js';
import { recordKeyOfValue } from '../streams/normalize-record.js';
import { STREAMS } from '../streams/registry.js';
import type { StreamDefinition, StreamName, TableSpec } from '../streams/types.js';
import { advancePage, beginWalk, completeWalk, readCheckpoint } from '../warehouse/checkpoints.js';
import type { Warehouse } from '../warehouse/db.js';
import { forgetWalkKeys, markMissingAsDeleted } from '../warehouse/deletes.js';
import { historyChangeListener } from '../warehouse/history.js';
import { finishRun, finishStreamRun, startRun, startStreamRun } from '../warehouse/ledger.js';
import { StreamBusyError, withStreamLock } from '../warehouse/stream-lock.js';
import type { ChangedRow, Executor } from '../warehouse/upsert.js';
import { zeroCounts } from './counts.js';
import { gateFirstRequest } from './first-request-gate.js';
import { type NormalizedPage, normalizePage } from './normalize-page.js';
import { OrderedWrites } from './ordered-writes.js';
import { commitPage } from './page-commit.js';
import type {
  StreamCounts,
  StreamRunError,
  StreamRunResult,
  SyncEngine,
  SyncStreamRequest,
} from './types.js';
import { planWalk, type WalkPlan, walkFilter } from './walk-plan.js';

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

export interface SyncEngineOptions {
  warehouse: Warehouse;
  client: ListClient;
  config: Pick<Config, 'lookbackSeconds'> &
    Partial<Pick<Config, 'pageWriters'>> & { sei: Pick<Config['sei'], 'pageSize' | 'maxPages'> };
  logger: Logger;
  /** @defaultValue every stream of the registry */
  streams?: Readonly<Record<StreamName, StreamDefinition>>;
  /** Re-reads after a walk whose pages shifted, before giving up on a clean pass. @defaultValue 3 */
  maxHealPasses?: number;
  /** @defaultValue the SCD-2 history layer (src/warehouse/history.ts); null turns history off */
  changeListener?: ChangeListener | null;
  observer?: SyncObserver;
  /** @defaultValue () => new Date() */
  now?: () => Date;
}

export const ENGINE_DEFAULTS = { maxHealPasses: 3 } as const;

/** Stable codes of failures the engine itself raises (SEI errors keep their `SEI_ERR_*` codes). */
export const ENGINE_ERROR_CODES = {
  pageLimit: 'SEI_SYNC_ERR_PAGE_LIMIT',
  internal: 'SEI_SYNC_ERR_INTERNAL',
} as const;

export class SyncStreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SyncStreamError';
  }
}

/** A pass is clean when no record was seen twice and the server's total did not move. */
function firstAnomalyPage(summary: WalkSummary): number | undefined {
  const pages = [summary.firstDuplicatePage, summary.totalCountDrift[0]?.page].filter(
    (page) => page !== undefined,
  );
  return pages.length === 0 ? undefined : Math.min(...pages);
}

export function toRunError(error: unknown): StreamRunError {
  if (error instanceof SeiError)
    return { code: error.code, message: error.message, retryable: classify(error) !== 'fatal' };
  if (error instanceof SyncStreamError)
    return { code: error.code, message: error.message, retryable: error.retryable };
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown })?.code;
  // Database and other unexpected failures: worth a retry later (PostgreSQL restarting, say).
  return {
    code: typeof code === 'string' ? code : ENGINE_ERROR_CODES.internal,
    message: message.split('\n')[0] ?? '',
    retryable: true,
  };
}

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { warehouse, config, logger } = options;
  // A wrong key or base URL costs one request, not one per stream started at once.
  const client = gateFirstRequest(options.client);
  const db = warehouse.db;
  const streams = options.streams ?? STREAMS;
  const maxHealPasses = options.maxHealPasses ?? ENGINE_DEFAULTS.maxHealPasses;
  const changeListener =
    options.changeListener === undefined ? historyChangeListener : options.changeListener;
  const now = options.now ?? (() => new Date());
  // The embedded database has one connection: a second writer would only queue behind the first.
  const writeDepth = config.pageWriters ?? (warehouse.kind === 'postgres' ? 2 : 1);

  async function walk(
    stream: StreamDefinition,
    plan: WalkPlan,
    context: {
      runId: string;
      walkId: string;
      fromPage: number;
      counts: StreamCounts;
      signal: AbortSignal;
      request: SyncStreamRequest;
      log: Logger;
    },
  ): Promise<WalkSummary> {
    const { counts, runId, walkId, log } = context;
    const pageSize = Math.min(config.sei.pageSize, stream.maxPageSize ?? Number.POSITIVE_INFINITY);
    const walker = new PageWalker({
      client,
      path: stream.path,
      filter: walkFilter(stream, plan),
      sort: stream.sort,
      pageSize,
      pageSizeParam: stream.pageSizeParam,
      hasNext: stream.hasNext,
      startPage: context.fromPage,
      // With pages written in parallel, the write slots already overlap fetching with writing.
      prefetch: writeDepth > 1 ? 0 : 1,
      maxPages: config.sei.maxPages,
      // Total: a page may hold `null` or a string where a record belongs (it is rejected later).
      recordKey: (record) => recordKeyOfValue(stream, record),
      signal: context.signal,
      logger: log,
    });
    // Page N+1's rows are written while page N's still are; commits (and checkpoints) stay in order.
    const writes = new OrderedWrites(writeDepth);
    const writePageInOrder = async (page: WalkedPage, normalized: NormalizedPage, turn: Promise<void>) => {
      const syncedAt = now();
      // ── One transaction: rows, rejects, notes of sanitized records, seen keys, then the checkpoint.
      //    Records PostgreSQL still refuses are bisected out and rejected (./page-commit.ts).
      const result = await commitPage(db, normalized, {
        stream,
        runId,
        walkId,
        syncedAt,
        ...(changeListener && {
          onChanged: (tx: Executor, table: TableSpec, changed: readonly ChangedRow[]) =>
            changeListener!.onChanged(tx, table, changed, syncedAt, runId),
        }),
        beforeCommit: async (trx) => {
          await turn;
          await advancePage(trx, stream.name, page.page);
        },
      });
      counts.sanitized += result.sanitized;
      // ──
      counts.pages += 1;
      counts.records += page.records.length;
      counts.inserted += result.inserted;
      counts.updated += result.updated;
      counts.unchanged += result.unchanged;
      counts.rejected += result.rejects.length;
      for (const reject of result.rejects)
        log.warn({ page: page.page, recordKey: reject.recordKey, reason: reject.reason }, 'record rejected');
      options.observer?.pageWritten?.(stream.name, {
        records: page.records.length,
        inserted: result.inserted,
        updated: result.updated,
        unchanged: result.unchanged,
        rejected: result.rejects.length,
      });
      context.request.onProgress?.({
        stream: stream.name,
        pages: counts.pages,
        records: counts.records,
        estimatedPages: page.totalCount === undefined ? undefined : Math.ceil(page.totalCount / pageSize),
      });
      log.debug(
        {
          page: page.page,
          records: page.records.length,
          inserted: result.inserted,
          updated: result.updated,
          unchanged: result.unchanged,
          rejected: result.rejects.length,
          sanitized: result.sanitized,
        },
        'page committed',
      );
    };
    try {
      for await (const page of walker) {
        const normalized = normalizePage(stream, page.records, {
          // The client scanned the body: no escape of NUL or a surrogate, no string to look at.
          stringsKnownStorable: page.stringsKnownStorable === true,
        });
        await writes.submit(normalized.keys, (turn) => writePageInOrder(page, normalized, turn));
      }
      await writes.drain();
    } finally {
      // No write may outlive the walk (the stream lock and the ledger row are released after it).
      await writes.settle();
      // Each pass has its own walker: add what this one cost, whether it completed or threw.
      counts.requests += walker.summary.requests;
      counts.retries += walker.summary.retries;
      counts.rateLimited += walker.summary.rateLimited;
    }
    if (!walker.summary.complete) {
      throw new SyncStreamError(
        ENGINE_ERROR_CODES.pageLimit,
        `${stream.name}: walk stopped after ${walker.summary.pages} pages (${walker.summary.stopReason ?? 'incomplete'}); raise SEI_MAX_PAGES if the stream is really this large`,
        false,
      );
    }
    return walker.summary;
  }

  async function runStream(
    stream: StreamDefinition,
    request: SyncStreamRequest,
    counts: StreamCounts,
    signal: AbortSignal,
    log: Logger,
  ) {
    const { runId } = request;
    const checkpoint = await readCheckpoint(db, stream.name);
    // A full refresh ignores cursor and checkpoint, except when this very run already began the walk:
    // a retried job (a crash, a PostgreSQL blip) resumes its own walk instead of starting over.
    const resumingOwnWalk = checkpoint?.nextPage != null && checkpoint.walkRunId === runId;
    const plan = planWalk(stream, checkpoint, {
      fullRefresh: request.fullRefresh && !resumingOwnWalk,
      now: now(),
      lookbackSeconds: config.lookbackSeconds,
    });
    let walkId = plan.resumed && checkpoint?.walkId ? checkpoint.walkId : randomUUID();
    const newWalk = async (previousWalkId: string | null | undefined) => {
      if (previousWalkId) await forgetWalkKeys(db, previousWalkId);
      await beginWalk(db, stream.name, {
        walkId,
        runId,
        windowStart: plan.windowStart,
        windowEnd: plan.windowEnd,
        startPage: 0,
      });
    };
    if (!plan.resumed) await newWalk(checkpoint?.walkId);
    log.info(
      {
        startPage: plan.startPage,
        resumed: plan.resumed,
        windowStart: plan.windowStart,
        windowEnd: plan.windowEnd,
      },
      'walk started',
    );
    const context = { runId, counts, signal, request, log };
    let summary = await walk(stream, plan, { ...context, walkId, fromPage: plan.startPage });
    let anomaly = firstAnomalyPage(summary);
    for (let pass = 1; anomaly !== undefined && pass <= maxHealPasses; pass += 1) {
      // Offset paging over live data: a record inserted or deleted before page N moves every later record
      // by one. Incremental streams re-read from the page before the first anomaly, which picks up
      // whatever slipped past. Full-refresh streams (small by nature) re-walk from page 0 under a new
      // walk id, so the keys that decide deletions come from one clean pass, none from before a deletion.
      let fromPage = Math.max(0, anomaly - 1);
      if (stream.mode === 'full_refresh') {
        const previous = walkId;
        walkId = randomUUID();
        await newWalk(previous);
        fromPage = 0;
      }
      log.warn(
        { pass, fromPage, duplicates: summary.duplicates, drift: summary.totalCountDrift.slice(0, 3) },
        'pages shifted during the walk; re-reading',
      );
      summary = await walk(stream, plan, { ...context, walkId, fromPage });
      anomaly = firstAnomalyPage(summary);
    }
    const clean = anomaly === undefined;
    if (!clean)
      log.warn(
        { passes: maxHealPasses },
        'pages kept shifting; deletions skipped this run, the next run re-reads',
      );
    const finishedAt = now();
    await db.transaction().execute(async (trx) => {
      if (stream.mode === 'full_refresh') {
        if (clean) {
          const deleted = await markMissingAsDeleted(trx, walkId, stream.table, finishedAt);
          counts.deleted = deleted.keys.length;
          if (deleted.keys.length > 0)
            await changeListener?.onDeleted(trx, stream.table, deleted.keys, finishedAt, runId);
        } else {
          await forgetWalkKeys(trx, walkId);
        }
        await completeWalk(trx, stream.name, null);
      } else {
        // Everything updated before the window's end has been walked; the lookback covers late writes.
        await completeWalk(trx, stream.name, plan.windowEnd);
      }
    });
    return summary;
  }

  async function syncStream(request: SyncStreamRequest): Promise<StreamRunResult> {
    const stream = streams[request.stream];
    const started = Date.now();
    const counts = zeroCounts();
    const log = logger.child({ runId: request.runId, stream: request.stream });
    const finish = (result: StreamRunResult) => {
      options.observer?.streamFinished?.(result);
      return result;
    };
    const controller = new AbortController();
    const onAbort = () => controller.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) onAbort();
    try {
      return await withStreamLock(warehouse, stream.name, async () => {
        try {
          await startStreamRun(db, request.runId, stream.name);
          const summary = await runStream(stream, request, counts, controller.signal, log);
          await finishStreamRun(db, request.runId, stream.name, { status: 'succeeded', counts, summary });
          log.info({ ...counts }, 'stream synced');
          return finish({
            stream: stream.name,
            status: 'succeeded',
            counts,
            durationMs: Date.now() - started,
          });
        } catch (caught) {
          const error = toRunError(caught);
          // Stopping on request (SIGTERM, Ctrl-C) is routine: the checkpoint keeps the walk for the next run.
          if (request.signal?.aborted)
            log.warn({ code: error.code, ...counts }, 'stream stopped; resumes at its checkpoint');
          else log.error({ code: error.code, err: error.message, ...counts }, 'stream failed');
          // The database may be what failed; the ledger row then stays "running" and the error is returned.
          await finishStreamRun(db, request.runId, stream.name, { status: 'failed', counts, error }).catch(
            () => {},
          );
          return finish({
            stream: stream.name,
            status: 'failed',
            counts,
            durationMs: Date.now() - started,
            error,
          });
        }
      });
    } catch (caught) {
      // Only the lock can fail here: busy (another process syncs this stream) or the database unreachable.
      const error =
        caught instanceof StreamBusyError
          ? { code: caught.code, message: caught.message, retryable: true }
          : toRunError(caught);
      log.warn({ code: error.code }, error.message);
      return finish({
        stream: stream.name,
        status: 'failed',
        counts,
        durationMs: Date.now() - started,
        error,
      });
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    startRun: (request) => startRun(db, request),
    syncStream,
    finishRun: (runId, results) => finishRun(db, runId, results),
    close: async () => {},
  };
}
