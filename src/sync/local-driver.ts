/**
 * The in-process driver: the worker's three steps (plan → walk slice × N → finish) in this process,
 * under one stream run and one lock, slices in parallel where the worker has child jobs, a semaphore
 * (the in-flight cap, across every stream of the process) in place of the worker's concurrency.
 */
import type { AnyStreamDefinition } from '../streams/types.js';
import type { StreamRunContext } from './engine-context.js';
import type { Semaphore } from './semaphore.js';
import { linkedAbort, type StreamRuns } from './stream-run.js';
import type { StreamRunResult, SyncStreamRequest } from './types.js';
import type { FanOut, Walker } from './walkers/index.js';

/** A fan-out of slices over `slots`, each slice walked here. */
export function localFanOut(slots: Semaphore): FanOut {
  return async (signal, slices, walk) => {
    const { controller, unlink } = linkedAbort(signal);
    let failure: { error: unknown } | undefined;
    try {
      await Promise.all(
        slices.map((sliceNo) =>
          slots.run(async () => {
            if (controller.signal.aborted) return;
            try {
              await walk(sliceNo, controller.signal);
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
    signal.throwIfAborted();
  };
}

/** Syncs one stream to its end in this process; a failure is the returned result. */
export function localSync(
  runs: StreamRuns,
  fanOut: FanOut,
  walkerOf: (run: StreamRunContext<AnyStreamDefinition>) => Walker,
): (request: SyncStreamRequest) => Promise<StreamRunResult> {
  return async (request) => {
    const { result } = await runs.closedRun(
      request,
      { startRow: true, bookBusy: true, availability: true },
      async (run) => {
        const walker = walkerOf(run);
        // In one process the source of a derived stream runs beside it: wait for it as long as it takes.
        let step = await walker.plan({
          fullRefresh: request.fullRefresh,
          sourceWaitMs: Number.POSITIVE_INFINITY,
        });
        while (step.kind === 'slices') {
          const { walkId } = step;
          await fanOut(run.signal, step.slices, (sliceNo, signal) =>
            walker.walkSlice(walkId, sliceNo, signal),
          );
          step = await walker.finish();
        }
        return { summary: step.summary, value: undefined };
      },
    );
    return result;
  };
}
