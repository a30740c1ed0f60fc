/**
 * The sync engine: the one path every mode uses to copy a stream from SEI into the warehouse.
 *
 * Incremental streams are walked by time (keyset, keyset-walk.ts) over a window fixed when the walk is
 * planned, cut into slices (slicing.ts) that any number of walkers can take at once:
 *
 *   begin   plan the walk (or continue the one in progress): window, counts, slices (walk-planner.ts);
 *   slices  walk each slice, committing page by page with its resume point (slice-walk.ts);
 *   finish  re-read a walk that spanned two snapshots, decide deletions after a walk from the beginning
 *           of time, move the cursor (walk-finisher.ts).
 *
 * Full-refresh streams read their whole list until it is proven complete (list-sync.ts).
 *
 * `syncStream` does all of it in this process (the `sync` command, the demo), slices in parallel up
 * to the in-flight cap; the worker calls the three steps from BullMQ jobs (slices as child jobs), so
 * many workers share one large stream. The counts of a stream run live in its ledger row, added in
 * each page's transaction, so they are exact whichever processes walked it.
 */
import { setMaxListeners } from 'node:events';
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { ListClient } from '../sei/client.js';
import { classify, SEI_ERROR_CODES, SeiError } from '../sei/errors.js';
import { InFlightLimit } from '../sei/in-flight.js';
import { describeServiceError } from '../service-errors.js';
import { STREAMS } from '../streams/registry.js';
import type { IncrementalStream, StreamDefinition, StreamName } from '../streams/types.js';
import { readCheckpoint } from '../warehouse/checkpoints.js';
import type { Warehouse } from '../warehouse/db.js';
import { historyChangeListener } from '../warehouse/history.js';
import { finishRun, finishStreamRun, readStreamRun, startRun, startStreamRun } from '../warehouse/ledger.js';
import { beatRun, closeAbandonedRuns, RUN_HEARTBEAT } from '../warehouse/run-owners.js';
import { StreamBusyError, withStreamLock } from '../warehouse/stream-lock.js';
import { saveVerifyResult } from '../warehouse/verify-results.js';
import { readSlices, type SliceState } from '../warehouse/walk-slices.js';
import { zeroCounts } from './counts.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';
import type { ChangeListener, SyncObserver } from './engine-types.js';
import { SYNC_ERROR_CODES, SyncStreamError } from './errors.js';
import { gateFirstRequest } from './first-request-gate.js';
import { syncWholeList } from './list-sync.js';
import { resolveRoute, routeOverrides } from './routes.js';
import { runNote } from './run-note.js';
import { Semaphore } from './semaphore.js';
import { walkSlice } from './slice-walk.js';
import type {
  SliceOutcome,
  SliceRequest,
  StreamRunError,
  StreamRunResult,
  StreamStep,
  SyncEngine,
  SyncProgress,
  SyncStreamRequest,
  VerifyStreamRequest,
} from './types.js';
import { verifyContext } from './verify/context.js';
import { failedVerify } from './verify/failed.js';
import type { HealPort } from './verify/heal.js';
import { planVerify } from './verify/plan.js';
import { outcomeCounts, type StreamVerifyResult } from './verify/types.js';
import { verifyStream } from './verify/verify-stream.js';
import { finishWalk } from './walk-finisher.js';
import { planOrAdoptWalk } from './walk-planner.js';

export type { ChangeListener, SyncObserver } from './engine-types.js';

export interface SyncEngineOptions {
  warehouse: Warehouse;
  client: ListClient;
  config: Pick<Config, 'lookbackSeconds'> &
    Partial<Pick<Config, 'pageWriters' | 'scope'>> & {
      sei: Pick<Config['sei'], 'pageSize' | 'maxPages' | 'requestsPerMinute'> &
        Partial<Pick<Config['sei'], 'maxInFlight' | 'forceDatabaseSource' | 'categoriesPath' | 'baseUrl'>>;
    };
  logger: Logger;
  /** @defaultValue every stream of the registry */
  streams?: Readonly<Record<StreamName, StreamDefinition>>;
  /** @defaultValue the SCD-2 history layer (src/warehouse/history.ts); null turns history off */
  changeListener?: ChangeListener | null;
  observer?: SyncObserver;
  /** @defaultValue () => new Date() */
  now?: () => Date;
}

/** The run id of work that is booked in no run (a verify plan): ledger updates match no row. */
const NO_RUN = '00000000-0000-0000-0000-000000000000';

export const ENGINE_DEFAULTS = { maxInFlight: 16, forceDatabaseSource: true } as const;

export { SYNC_ERROR_CODES, SyncStreamError } from './errors.js';

export function toRunError(error: unknown, databaseAddress?: string): StreamRunError {
  // A database gone mid-walk (restart, shutdown): say so, where, and that a rerun resumes.
  const lost =
    databaseAddress === undefined ? undefined : describeServiceError('PostgreSQL', databaseAddress, error);
  if (lost) return { code: lost.code, message: lost.message, retryable: lost.retryable };
  if (error instanceof SeiError)
    return { code: error.code, message: error.message, retryable: classify(error) !== 'fatal' };
  if (error instanceof SyncStreamError)
    return { code: error.code, message: error.message, retryable: error.retryable };
  if (error instanceof StreamBusyError) return { code: error.code, message: error.message, retryable: true };
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown })?.code;
  // Database and other unexpected failures: worth a retry later (PostgreSQL restarting, say).
  return {
    code: typeof code === 'string' ? code : SYNC_ERROR_CODES.internal,
    message: message.split('\n')[0] ?? '',
    retryable: true,
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

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { warehouse, config, logger } = options;
  const maxInFlight = config.sei.maxInFlight ?? ENGINE_DEFAULTS.maxInFlight;
  const databaseAddress =
    warehouse.kind === 'postgres' ? warehouse.location.replace(/^postgres:\/\//, '') : undefined;
  // A wrong key, base URL or unreachable host costs one request (and its retries), not one per stream
  // started at once; then as many requests in flight as the budget and the server's latency call for.
  const host = config.sei.baseUrl === undefined ? undefined : new URL(config.sei.baseUrl).host;
  const limit = new InFlightLimit(gateFirstRequest(options.client, { host }), {
    requestsPerMinute: config.sei.requestsPerMinute,
    maxInFlight,
  });
  const ctx: EngineContext = {
    warehouse,
    db: warehouse.db,
    client: limit,
    streams: options.streams ?? STREAMS,
    settings: {
      pageSize: config.sei.pageSize,
      maxPages: config.sei.maxPages,
      lookbackSeconds: config.lookbackSeconds,
      // The embedded database has one connection: a second page in hand would only queue behind the first.
      writeDepth: Math.min(2, config.pageWriters ?? (warehouse.kind === 'postgres' ? 2 : 1)),
      maxInFlight,
      forceDatabaseSource: config.sei.forceDatabaseSource ?? ENGINE_DEFAULTS.forceDatabaseSource,
      routes: routeOverrides(config.sei.categoriesPath),
      scope: config.scope ?? { startDate: undefined, integrationIds: undefined },
    },
    logger,
    changeListener: options.changeListener === undefined ? historyChangeListener : options.changeListener,
    observer: options.observer,
    now: options.now ?? (() => new Date()),
  };
  /** Slices walked at once by this process, across every stream. */
  const sliceSlots = new Semaphore(maxInFlight);
  /** The heartbeats of this process's in-process runs, until each is finished. */
  const heartbeats = new Map<string, NodeJS.Timeout>();
  const heartbeat = (runId: string) =>
    setInterval(() => {
      beatRun(ctx.db, runId).catch(() => {});
    }, RUN_HEARTBEAT.everyMs).unref();

  function runContext(request: { runId: string; stream: StreamName }, signal: AbortSignal): StreamRunContext {
    return {
      runId: request.runId,
      stream: ctx.streams[request.stream],
      log: logger.child({ runId: request.runId, stream: request.stream }),
      signal,
    };
  }

  /** Links the request's signal to a controller of our own (so one slice's failure can stop the others). */
  function linkedAbort(signal: AbortSignal | undefined): { controller: AbortController; unlink: () => void } {
    const controller = new AbortController();
    // Every slice of a stream and every request waiting for a slot listen to it: no leak, just fan-out.
    setMaxListeners(0, controller.signal);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    return { controller, unlink: () => signal?.removeEventListener('abort', onAbort) };
  }

  async function closeStreamRun(
    run: StreamRunContext,
    started: number,
    outcome: { summary: unknown } | { error: StreamRunError },
    doneMessage = 'stream synced',
  ): Promise<StreamRunResult> {
    const { runId, stream } = run;
    let result: StreamRunResult;
    if ('error' in outcome) {
      // The database may be what failed; the ledger row then stays "running" and the error is returned.
      const status = outcome.error.code === SEI_ERROR_CODES.aborted ? 'interrupted' : 'failed';
      await finishStreamRun(ctx.db, runId, stream.name, { status, error: outcome.error }).catch(() => {});
      const row = await readStreamRun(ctx.db, runId, stream.name).catch(() => undefined);
      result = {
        stream: stream.name,
        status: 'failed',
        counts: row?.counts ?? zeroCounts(),
        durationMs: row?.durationMs ?? Date.now() - started,
        error: outcome.error,
      };
    } else {
      await finishStreamRun(ctx.db, runId, stream.name, { status: 'succeeded', summary: outcome.summary });
      const { counts, durationMs } = await readStreamRun(ctx.db, runId, stream.name);
      const note = runNote(outcome.summary, counts);
      result = {
        stream: stream.name,
        status: 'succeeded',
        counts,
        durationMs: durationMs ?? Date.now() - started,
        ...(note && { note }),
      };
      run.log.info({ ...counts, ...(note && { note }) }, doneMessage);
    }
    options.observer?.streamFinished?.(result);
    return result;
  }

  function logFailure(
    run: StreamRunContext,
    error: StreamRunError,
    requested: AbortSignal | undefined,
  ): void {
    // Stopping on request (SIGTERM, Ctrl-C) is routine: the slices keep their place for the next run.
    if (requested?.aborted) run.log.warn({ code: error.code }, 'stream stopped; resumes where it was');
    else run.log.error({ code: error.code, err: error.message }, 'stream failed');
  }

  /** Walks `slices` in this process, a few at a time; the first failure stops the rest and is thrown. */
  async function walkSlicesHere(
    run: StreamRunContext & { stream: IncrementalStream },
    walkId: string,
    slices: readonly SliceState[],
    path: string,
    recordKeys: boolean,
  ): Promise<void> {
    const { controller, unlink } = linkedAbort(run.signal);
    let failure: { error: unknown } | undefined;
    try {
      await Promise.all(
        slices
          .filter((slice) => !slice.done)
          .map((slice) =>
            sliceSlots.run(async () => {
              if (controller.signal.aborted) return;
              try {
                await walkSlice(
                  ctx,
                  { ...run, signal: controller.signal },
                  {
                    walkId,
                    sliceNo: slice.sliceNo,
                    path,
                    recordKeys,
                  },
                );
              } catch (error) {
                failure ??= { error };
                controller.abort();
              }
            }),
          ),
      );
    } finally {
      unlink();
    }
    if (failure) throw failure.error;
    run.signal.throwIfAborted();
  }

  /** The in-process run of one stream: every step here, slices in parallel. */
  async function syncStreamHere(request: SyncStreamRequest, run: StreamRunContext): Promise<unknown> {
    const { stream } = run;
    const path = await resolveRoute(ctx, run);
    // `runSync` starts a derived stream once its source has finished: no need to wait for it here.
    if (stream.mode === 'full_refresh')
      return syncWholeList(ctx, { ...run, stream }, { path, waitForSource: false });
    const incremental = { ...run, stream };
    const planned = await planOrAdoptWalk(ctx, incremental, { fullRefresh: request.fullRefresh, path });
    const total = planned.estimatedRecords;
    if (total !== undefined && request.onProgress) {
      request.onProgress({
        stream: stream.name,
        pages: 0,
        records: 0,
        estimatedPages: Math.ceil(total / ctx.settings.pageSize),
      });
    }
    let slices = planned.slices;
    for (;;) {
      await walkSlicesHere(incremental, planned.walk.walkId, slices, path, planned.walk.decidesDeletions);
      const end = await finishWalk(ctx, incremental, { path });
      if (end.kind === 'complete') return { slices: slices.length, ...end };
      slices = await readSlices(ctx.db, planned.walk.walkId);
    }
  }

  /** Turns committed pages into the cumulative progress a caller follows. */
  function progressReporter(request: {
    stream: StreamName;
    onProgress?: (progress: SyncProgress) => void;
  }): StreamRunContext['onPage'] {
    let pages = 0;
    let records = 0;
    return (page) => {
      pages += 1;
      records += page.records;
      request.onProgress?.({ stream: request.stream, pages, records, estimatedPages: undefined });
    };
  }

  /**
   * Runs `body` as one stream run under the stream's lock: the ledger row is started, and closed with
   * the body's summary or its failure, which becomes the result (it is never thrown).
   */
  async function lockedStreamRun<T>(
    request: Pick<SyncStreamRequest, 'runId' | 'stream' | 'signal' | 'onProgress'>,
    body: (run: StreamRunContext) => Promise<T>,
    close: { summarize?: (value: T) => unknown; doneMessage?: string } = {},
  ): Promise<{ result: StreamRunResult; value?: T }> {
    const summarize = close.summarize ?? ((value: T) => value);
    const started = Date.now();
    const { controller, unlink } = linkedAbort(request.signal);
    const run = { ...runContext(request, controller.signal), onPage: progressReporter(request) };
    try {
      return await withStreamLock(warehouse, request.stream, async () => {
        try {
          await startStreamRun(ctx.db, request.runId, request.stream);
          const value = await body(run);
          const summary = summarize(value);
          return { result: await closeStreamRun(run, started, { summary }, close.doneMessage), value };
        } catch (caught) {
          const error = request.signal?.aborted
            ? interruption(request.signal)
            : toRunError(caught, databaseAddress);
          logFailure(run, error, request.signal);
          return { result: await closeStreamRun(run, started, { error }) };
        }
      });
    } catch (caught) {
      // Only the lock can fail here: busy (another process syncs this stream) or the database unreachable.
      const error = toRunError(caught, databaseAddress);
      run.log.warn({ code: error.code }, error.message);
      const result: StreamRunResult = {
        stream: request.stream,
        status: 'failed',
        counts: zeroCounts(),
        durationMs: Date.now() - started,
        error,
      };
      options.observer?.streamFinished?.(result);
      return { result };
    } finally {
      unlink();
    }
  }

  async function syncStream(request: SyncStreamRequest): Promise<StreamRunResult> {
    return (await lockedStreamRun(request, (run) => syncStreamHere(request, run))).result;
  }

  /** The engine's own walking, for a heal: slices in parallel here, lists by their full-refresh sync. */
  function healPort(run: StreamRunContext, path: string): HealPort {
    const { stream } = run;
    return {
      walkSlices: (walkId, slices, recordKeys) => {
        if (stream.mode !== 'incremental')
          throw new SyncStreamError(SYNC_ERROR_CODES.internal, `${stream.name} has no slices`, false);
        return walkSlicesHere({ ...run, stream }, walkId, slices, path, recordKeys);
      },
      syncList: () => {
        if (stream.mode !== 'full_refresh')
          throw new SyncStreamError(SYNC_ERROR_CODES.internal, `${stream.name} is not a list`, false);
        return syncWholeList(ctx, { ...run, stream }, { path, waitForSource: false });
      },
    };
  }

  async function verifyStreamRun(request: VerifyStreamRequest): Promise<StreamVerifyResult> {
    const { result, value } = await lockedStreamRun(
      request,
      async (run) => {
        const path = await resolveRoute(ctx, run);
        const verified = await verifyStream(verifyContext(ctx, run, path), {
          ...(request.heal && { heal: healPort(run, path) }),
        });
        // The ledger counts every request of the stream run (the route probe too).
        const { counts } = await readStreamRun(ctx.db, request.runId, request.stream);
        return { ...verified, requests: counts.requests };
      },
      {
        summarize: (verified) => ({
          status: verified.status,
          buckets: verified.buckets.length,
          ...outcomeCounts(verified.buckets),
          heal: verified.heal,
        }),
        doneMessage: request.heal ? 'stream verified and healed' : 'stream verified',
      },
    );
    const verified = value ?? failedVerify(ctx.streams[request.stream], result);
    // What status and /metrics read; a verify whose result cannot be stored still reports it here.
    await saveVerifyResult(ctx.db, request.runId, verified, request.heal).catch((error: unknown) =>
      logger.warn({ stream: request.stream, err: error }, 'verify result not stored'),
    );
    return verified;
  }

  /** Runs one step of a worker's stream job under the stream's lock; a failure becomes the stream's result. */
  async function streamStep(
    request: SyncStreamRequest,
    step: (run: StreamRunContext & { stream: IncrementalStream }, path: string) => Promise<StreamStep>,
  ): Promise<StreamStep> {
    const started = Date.now();
    const { controller, unlink } = linkedAbort(request.signal);
    const run = { ...runContext(request, controller.signal), onPage: progressReporter(request) };
    try {
      return await withStreamLock(warehouse, request.stream, async () => {
        try {
          const { stream } = run;
          if (stream.mode === 'full_refresh') {
            await startStreamRun(ctx.db, request.runId, stream.name);
            const path = await resolveRoute(ctx, run);
            // Stream jobs of a run start together: a derived stream waits for its source's job.
            const summary = await syncWholeList(ctx, { ...run, stream }, { path, waitForSource: true });
            return { kind: 'done', result: await closeStreamRun(run, started, { summary }) };
          }
          return await step({ ...run, stream }, await resolveRoute(ctx, run));
        } catch (caught) {
          const error = request.signal?.aborted
            ? interruption(request.signal)
            : toRunError(caught, databaseAddress);
          logFailure(run, error, request.signal);
          return { kind: 'done', result: await closeStreamRun(run, started, { error }) };
        }
      });
    } catch (caught) {
      const error = toRunError(caught, databaseAddress);
      run.log.warn({ code: error.code }, error.message);
      return {
        kind: 'done',
        result: {
          stream: request.stream,
          status: 'failed',
          counts: zeroCounts(),
          durationMs: Date.now() - started,
          error,
        },
      };
    } finally {
      unlink();
    }
  }

  const slicesStep = (
    walkId: string,
    pass: number,
    ownerRunId: string | null,
    slices: readonly SliceState[],
  ): StreamStep => ({
    kind: 'slices',
    walkId,
    pass,
    ownerRunId,
    slices: slices.filter((slice) => !slice.done).map((slice) => slice.sliceNo),
  });

  return {
    startRun: async (request) => {
      // The next in-process run closes the runs whose process was killed (the worker's are BullMQ's).
      if (request.inProcess)
        for (const gone of await closeAbandonedRuns(ctx.db))
          logger.warn({ runId: gone.runId, ...gone.owner }, `closed an earlier run: ${gone.reason}`);
      const runId = await startRun(ctx.db, request);
      if (request.inProcess) heartbeats.set(runId, heartbeat(runId));
      return runId;
    },
    syncStream,

    beginStream: (request) =>
      streamStep(request, async (run, path) => {
        await startStreamRun(ctx.db, request.runId, request.stream);
        const planned = await planOrAdoptWalk(ctx, run, { fullRefresh: request.fullRefresh, path });
        return slicesStep(planned.walk.walkId, planned.walk.pass, planned.walk.runId, planned.slices);
      }),

    async walkSlice(request: SliceRequest): Promise<SliceOutcome> {
      const { controller, unlink } = linkedAbort(request.signal);
      const run = { ...runContext(request, controller.signal), onPage: progressReporter(request) };
      const stream = run.stream;
      try {
        if (stream.mode !== 'incremental')
          throw new SyncStreamError(SYNC_ERROR_CODES.internal, `${stream.name} has no slices`, false);
        const walk = (await readCheckpoint(ctx.db, stream.name))?.walk;
        // A slice of a walk that has ended (or been replaced) has nothing left to do.
        if (!walk || walk.walkId !== request.walkId) return { status: 'done' };
        await sliceSlots.run(() =>
          walkSlice(
            ctx,
            { ...run, stream },
            {
              walkId: request.walkId,
              sliceNo: request.sliceNo,
              path: stream.path,
              recordKeys: walk.decidesDeletions,
            },
          ),
        );
        return { status: 'done' };
      } catch (caught) {
        const error = toRunError(caught, databaseAddress);
        if (!request.signal?.aborted)
          run.log.warn({ code: error.code, slice: request.sliceNo, err: error.message }, 'slice failed');
        return { status: 'failed', error };
      } finally {
        unlink();
      }
    },

    finishStream: (request) =>
      streamStep(request, async (run, path) => {
        const started = Date.now();
        const end = await finishWalk(ctx, run, { path });
        if (end.kind === 'rewalk') {
          const walk = (await readCheckpoint(ctx.db, run.stream.name))?.walk;
          return slicesStep(
            walk?.walkId ?? '',
            end.pass,
            walk?.runId ?? null,
            walk ? await readSlices(ctx.db, walk.walkId) : [],
          );
        }
        return { kind: 'done', result: await closeStreamRun(run, started, { summary: end }) };
      }),

    verifyStream: verifyStreamRun,

    async planVerify(request) {
      const { controller, unlink } = linkedAbort(request.signal);
      try {
        // No stream run: the plan's own probes are booked nowhere.
        const run = runContext({ runId: NO_RUN, stream: request.stream }, controller.signal);
        const path = await resolveRoute(ctx, run);
        return await planVerify(verifyContext(ctx, run, path));
      } finally {
        unlink();
      }
    },

    finishRun: (runId, results) => {
      clearInterval(heartbeats.get(runId));
      heartbeats.delete(runId);
      return finishRun(ctx.db, runId, results);
    },
    close: async () => {
      for (const timer of heartbeats.values()) clearInterval(timer);
      heartbeats.clear();
    },
  };
}
