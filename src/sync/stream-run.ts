/**
 * One stream run (or one step of it, for the worker): under the stream's lock, its ledger row started,
 * and closed with what the body proved or with its failure, which becomes the result (never thrown).
 * Both drivers and the verify run every stream through here.
 */
import { setMaxListeners } from 'node:events';
import { SEI_ERROR_CODES } from '../errors.js';
import { listSourceOf } from '../extract/list-source.js';
import { type RouteMemory, resolveRoute } from '../extract/routes.js';
import { readCheckpoint, rememberEndpointPath } from '../state/checkpoints.js';
import { addToStreamRun, finishStreamRun, readStreamRun, startStreamRun } from '../state/ledger.js';
import { withStreamLock } from '../state/stream-lock.js';
import { isListStream } from '../streams/registry.js';
import type { AnyStreamDefinition, AnyStreamName } from '../streams/types.js';
import { zeroCounts } from './counts.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';
import { interruption, toRunError } from './run-error.js';
import { conditionOf, noteOf, type RunSummary } from './run-note.js';
import type { StreamRunError, StreamRunResult, SyncProgress } from './types.js';
import { forgetUnavailable, rememberedUnavailable, unavailableVerdict } from './unavailable.js';

export interface StreamRunRequest {
  runId: string;
  stream: AnyStreamName;
  /** The user named the stream (`--streams`): a list this SEI does not serve then fails it. */
  named?: boolean | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: SyncProgress) => void) | undefined;
}

/** What the body of a run ends with: the run closed with its summary, or left open for a later step. */
export type RunBodyEnd<T, O> = { kind: 'done'; summary: RunSummary; value: T } | { kind: 'open'; value: O };

export interface RunOptions {
  /** Start (or continue) the ledger row; a worker's finishing step continues the row its plan started. */
  startRow: boolean;
  /** Book a busy lock as the stream's failure in the ledger (in one process the run is then over for it). */
  bookBusy: boolean;
  doneMessage?: string;
  /**
   * A sync's first step: a stream whose list this SEI does not serve (unavailable.ts) is not asked
   * between daily checks, and a 404 while other lists answer marks it unavailable instead of failing.
   */
  availability?: boolean;
}

/** Closed: the stream's result. Open: the body's value, the row still running. */
export type RunOutcome<T, O> = { result: StreamRunResult; value?: T } | { result?: undefined; value: O };

/** Links `signal` to a controller of our own (so one slice's failure can stop the others). */
export function linkedAbort(signal: AbortSignal | undefined): {
  controller: AbortController;
  unlink: () => void;
} {
  const controller = new AbortController();
  // Every slice of a stream and every request waiting for a slot listen to it: no leak, just fan-out.
  setMaxListeners(0, controller.signal);
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  return { controller, unlink: () => signal?.removeEventListener('abort', onAbort) };
}

export function createStreamRuns(ctx: EngineContext, databaseAddress: string | undefined) {
  function runContext(request: StreamRunRequest, signal: AbortSignal): StreamRunContext<AnyStreamDefinition> {
    let pages = 0;
    let records = 0;
    const progress = (estimatedPages: number | undefined) =>
      request.onProgress?.({ stream: request.stream, pages, records, estimatedPages });
    const { runId } = request;
    const stream = ctx.streams[request.stream];
    const log = ctx.logger.child({ runId, stream: stream.name });
    const memory: RouteMemory = {
      recall: async () => (await readCheckpoint(ctx.db, stream.name))?.endpointPath ?? undefined,
      remember: (path) => rememberEndpointPath(ctx.db, stream.name, path),
      book: (cost) => addToStreamRun(ctx.db, runId, stream.name, cost),
    };
    return {
      runId,
      stream,
      log,
      signal,
      // Only an SEI 1.0 list has a route; a 2.0 stream's walker never asks for one.
      route: () =>
        isListStream(stream)
          ? resolveRoute(ctx.client, stream, {
              forced: ctx.settings.routes[stream.name],
              sourceOf: (path) => listSourceOf(ctx, stream, path),
              memory,
              signal,
              log,
            })
          : Promise.reject(new Error(`${stream.name} is not an SEI 1.0 list: it has no route`)),
      onPage: (page) => {
        pages += 1;
        records += page.records;
        progress(undefined);
      },
      onEstimate: (estimatedPages) => progress(estimatedPages),
    };
  }

  async function close(
    run: StreamRunContext<AnyStreamDefinition>,
    started: number,
    end: { summary: RunSummary } | { error: StreamRunError },
    doneMessage = 'stream synced',
  ): Promise<StreamRunResult> {
    const { runId, stream } = run;
    if ('error' in end) {
      // The database may be what failed; the ledger row then stays "running" and the error is returned.
      const status = end.error.code === SEI_ERROR_CODES.aborted ? 'interrupted' : 'failed';
      await finishStreamRun(ctx.db, runId, stream.name, { status, error: end.error }).catch(() => {});
      const row = await readStreamRun(ctx.db, runId, stream.name).catch(() => undefined);
      const counts = row?.counts ?? zeroCounts();
      const durationMs = row?.durationMs ?? Date.now() - started;
      return { stream: stream.name, status: 'failed', counts, durationMs, error: end.error };
    }
    await finishStreamRun(ctx.db, runId, stream.name, { status: 'succeeded', summary: end.summary });
    const { counts, durationMs } = await readStreamRun(ctx.db, runId, stream.name);
    const note = noteOf(end.summary, counts);
    const condition = conditionOf(end.summary);
    run.log.info(
      { ...counts, ...(note && { note }), ...(condition && { condition: condition.kind }) },
      doneMessage,
    );
    return {
      stream: stream.name,
      status: 'succeeded',
      counts,
      durationMs: durationMs ?? Date.now() - started,
      ...(note && { note }),
      ...(condition && { condition }),
    };
  }

  function failure(
    run: StreamRunContext<AnyStreamDefinition>,
    caught: unknown,
    requested: AbortSignal | undefined,
  ): StreamRunError {
    const error = requested?.aborted ? interruption(requested) : toRunError(caught, databaseAddress);
    // Stopping on request (SIGTERM, Ctrl-C) is routine: the slices keep their place for the next run.
    if (requested?.aborted) run.log.warn({ code: error.code }, 'stream stopped; resumes where it was');
    else run.log.error({ code: error.code, err: error.message }, 'stream failed');
    return error;
  }

  /** Runs `body` as (a step of) the stream's run; see the module's comment. */
  async function streamRun<T, O>(
    request: StreamRunRequest,
    options: RunOptions,
    body: (run: StreamRunContext<AnyStreamDefinition>) => Promise<RunBodyEnd<T, O>>,
  ): Promise<RunOutcome<T, O>> {
    const started = Date.now();
    const { controller, unlink } = linkedAbort(request.signal);
    const run = runContext(request, controller.signal);
    try {
      return await withStreamLock(ctx.warehouse, request.stream, async (): Promise<RunOutcome<T, O>> => {
        try {
          if (options.startRow) await startStreamRun(ctx.db, request.runId, request.stream);
          // A stream the user named is asked whatever was remembered.
          const known =
            options.availability && !request.named
              ? await rememberedUnavailable(ctx, request.stream)
              : undefined;
          if (known !== undefined)
            return { result: await close(run, started, { summary: { unavailable: known } }) };
          const end = await body(run);
          if (options.availability) await forgetUnavailable(ctx, request.stream);
          if (end.kind === 'open') return { value: end.value };
          return { result: await close(run, started, end, options.doneMessage), value: end.value };
        } catch (caught) {
          const verdict =
            options.availability && !request.signal?.aborted
              ? await unavailableVerdict(ctx, run, caught, request.named === true).catch(() => undefined)
              : undefined;
          if (verdict?.kind === 'unavailable')
            return { result: await close(run, started, { summary: { unavailable: verdict.note } }) };
          const error = verdict?.kind === 'named' ? verdict.error : failure(run, caught, request.signal);
          return { result: await close(run, started, { error }) };
        }
      });
    } catch (caught) {
      // Only the lock can fail here: busy (another process syncs this stream) or the database unreachable.
      const error = toRunError(caught, databaseAddress);
      run.log.warn({ code: error.code }, error.message);
      if (options.bookBusy)
        await startStreamRun(ctx.db, request.runId, request.stream)
          .then(() => finishStreamRun(ctx.db, request.runId, request.stream, { status: 'failed', error }))
          .catch(() => {});
      return {
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

  /** A run that the body always closes (a whole sync, a verify): the result is always there. */
  async function closedRun<T>(
    request: StreamRunRequest,
    options: RunOptions,
    body: (run: StreamRunContext<AnyStreamDefinition>) => Promise<{ summary: RunSummary; value: T }>,
  ): Promise<{ result: StreamRunResult; value?: T }> {
    const outcome = await streamRun<T, never>(request, options, async (run) => ({
      kind: 'done',
      ...(await body(run)),
    }));
    // Never left open: a result is always there.
    return outcome.result ? outcome : { result: outcome.value };
  }

  return {
    streamRun,
    closedRun,
    runContext,
    /** A failure outside a stream run (a worker's slice) as a run error. */
    runError: (caught: unknown) => toRunError(caught, databaseAddress),
  };
}

export type StreamRuns = ReturnType<typeof createStreamRuns>;
