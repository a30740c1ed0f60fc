/**
 * The worker's driver: each of the three steps a call of its own, from BullMQ jobs (jobs/processors.ts),
 * so that many workers share one stream's slices. Plan and finish are steps of the stream's run, under
 * its lock; slices are walked by any worker at once, their pages booked to the same ledger row.
 */

import type { AnyStreamDefinition } from '../streams/types.js';
import type { StreamRunContext } from './engine-context.js';
import type { Semaphore } from './semaphore.js';
import { SOURCE_WAIT } from './source-wait.js';
import type { StreamRuns } from './stream-run.js';
import type { SliceOutcome, SliceRequest, StreamStep, SyncStreamRequest } from './types.js';
import type { Walker, WalkStep } from './walkers/index.js';

export function workerSteps(
  runs: StreamRuns,
  slots: Semaphore,
  walkerOf: (run: StreamRunContext<AnyStreamDefinition>) => Walker,
) {
  async function step(
    request: SyncStreamRequest,
    startRow: boolean,
    take: (walker: Walker) => Promise<WalkStep>,
  ): Promise<StreamStep> {
    // The first step asks whether this SEI serves the stream's list (unavailable.ts).
    const options = { startRow, bookBusy: false, availability: startRow };
    const outcome = await runs.streamRun(request, options, async (run) => {
      const next = await take(walkerOf(run));
      return next.kind === 'done'
        ? { kind: 'done' as const, summary: next.summary, value: undefined }
        : { kind: 'open' as const, value: next };
    });
    // Left open by a step with slices still to walk.
    return outcome.result ? { kind: 'done', result: outcome.result } : outcome.value;
  }

  return {
    /** Step 1: plans the walk (or continues the one in progress); a list is synced here. */
    beginStream: (request: SyncStreamRequest) =>
      // A derived stream's source runs in another job: wait a little, then the job is put back.
      step(request, true, (walker) =>
        walker.plan({ fullRefresh: request.fullRefresh, sourceWaitMs: SOURCE_WAIT.maxMs }),
      ),

    /** Step 2, any number at once: one slice to its end. Never throws; a failure is returned. */
    async walkSlice(request: SliceRequest): Promise<SliceOutcome> {
      const run = runs.runContext(request, request.signal ?? new AbortController().signal);
      try {
        await slots.run(() => walkerOf(run).walkSlice(request.walkId, request.sliceNo, run.signal));
        return { status: 'done' };
      } catch (caught) {
        const error = runs.runError(caught);
        if (!request.signal?.aborted)
          run.log.warn({ code: error.code, slice: request.sliceNo, err: error.message }, 'slice failed');
        return { status: 'failed', error };
      }
    },

    /** Step 3, once every slice is done: a walk to read again, or the stream's result. */
    finishStream: (request: SyncStreamRequest) => step(request, false, (walker) => walker.finish()),
  };
}
