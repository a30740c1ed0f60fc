/**
 * A stream's walker, chosen once by the mode its declaration gives it: how its walk is planned, how
 * one slice is walked, how the walk ends. A keyset walk (incremental streams) is planned into slices
 * that any process can walk; a whole-list read (full-refresh streams) is done in its plan. Both drivers
 * (local-driver.ts in one process, the worker's jobs) call these steps and nothing else.
 */

import { doraWalker } from '../dora/walker.js';
import { readCheckpoint } from '../state/checkpoints.js';
import { readSlices, type SliceState } from '../state/walk-slices.js';
import type { FullRefreshStream, IncrementalStream } from '../streams/types.js';
import type { VerifyContext } from '../verify/context.js';
import type { StreamVerifyResult } from '../verify/types.js';
import { verifyIncremental, verifyList } from '../verify/verify-stream.js';
import { awaitSource } from './derived-list.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';
import { syncWholeList } from './list-sync.js';
import { resolveRoute } from './routes.js';
import type { RunSummary } from './run-note.js';
import { walkSlice } from './slice-walk.js';
import type { SlicesStep } from './types.js';
import { finishWalk } from './walk-finisher.js';
import { planOrAdoptWalk } from './walk-planner.js';

/** Where a stream's walk stands after a step: done (with what it proved), or slices still to walk. */
export type WalkStep = { kind: 'done'; summary: RunSummary } | SlicesStep;

/**
 * Walks the given slices to their end (in parallel, in this process); the first failure stops the
 * others and is thrown. `walk` gets a signal that aborts with `signal` or that first failure.
 */
export type FanOut = (
  signal: AbortSignal,
  slices: readonly number[],
  walk: (sliceNo: number, signal: AbortSignal) => Promise<void>,
) => Promise<void>;

export interface Walker {
  /**
   * Plans the walk (or continues the one in progress). A stream derived from another's table first
   * waits up to `sourceWaitMs` while its source is still syncing in this run (derived-list.ts).
   */
  plan(request: { fullRefresh: boolean; sourceWaitMs: number }): Promise<WalkStep>;
  /** Walks one slice of walk `walkId` to its end; a slice of a walk that has ended has nothing to do. */
  walkSlice(walkId: string, sliceNo: number, signal: AbortSignal): Promise<void>;
  /** Once every slice is done: the walk's result, or its slices to read again. */
  finish(): Promise<WalkStep>;
  /** Compares the warehouse with the server's counts; heals what differs with this walker when asked. */
  verify(verify: VerifyContext, heal: boolean): Promise<StreamVerifyResult>;
}

export function walkerOf(ctx: EngineContext, run: StreamRunContext, fanOut: FanOut): Walker {
  const { stream } = run;
  // The one place the mode is read: every step below is typed by it.
  if (stream.mode === 'dora_snapshot') return doraWalker(ctx, { ...run, stream });
  return stream.mode === 'incremental'
    ? keysetWalker(ctx, { ...run, stream }, fanOut)
    : listWalker(ctx, { ...run, stream });
}

function slicesStep(
  walkId: string,
  pass: number,
  ownerRunId: string | null,
  slices: readonly SliceState[],
): WalkStep {
  const open = slices.filter((slice) => !slice.done).map((slice) => slice.sliceNo);
  return { kind: 'slices', walkId, pass, ownerRunId, slices: open };
}

function keysetWalker(ctx: EngineContext, run: StreamRunContext<IncrementalStream>, fanOut: FanOut): Walker {
  const walkOne = async (walkId: string, sliceNo: number, recordKeys: boolean, signal: AbortSignal) => {
    await walkSlice(
      ctx,
      { ...run, signal },
      { walkId, sliceNo, path: await resolveRoute(ctx, run), recordKeys },
    );
  };
  return {
    async plan({ fullRefresh }) {
      const path = await resolveRoute(ctx, run);
      const planned = await planOrAdoptWalk(ctx, run, { fullRefresh, path });
      if (planned.estimatedRecords !== undefined)
        run.onEstimate?.(Math.ceil(planned.estimatedRecords / ctx.settings.pageSize));
      const { walk } = planned;
      return slicesStep(walk.walkId, walk.pass, walk.runId, planned.slices);
    },
    async walkSlice(walkId, sliceNo, signal) {
      const walk = (await readCheckpoint(ctx.db, run.stream.name))?.walk;
      if (!walk || walk.walkId !== walkId) return;
      await walkOne(walkId, sliceNo, walk.decidesDeletions, signal);
    },
    async finish() {
      const end = await finishWalk(ctx, run, { path: await resolveRoute(ctx, run) });
      if (end.kind === 'complete') return { kind: 'done', summary: end };
      const walk = (await readCheckpoint(ctx.db, run.stream.name))?.walk;
      if (!walk) return slicesStep('', end.pass, null, []);
      return slicesStep(walk.walkId, end.pass, walk.runId, await readSlices(ctx.db, walk.walkId));
    },
    verify: (verify, heal) =>
      verifyIncremental(
        verify,
        run.stream,
        heal
          ? {
              walkSlices: (walkId, slices, recordKeys) =>
                fanOut(
                  run.signal,
                  slices.filter((slice) => !slice.done).map((slice) => slice.sliceNo),
                  (sliceNo, signal) => walkOne(walkId, sliceNo, recordKeys, signal),
                ),
            }
          : undefined,
      ),
  };
}

function listWalker(ctx: EngineContext, run: StreamRunContext<FullRefreshStream>): Walker {
  const syncList = async () => syncWholeList(ctx, run, { path: await resolveRoute(ctx, run) });
  return {
    async plan({ sourceWaitMs }) {
      await awaitSource(ctx, run.runId, run.stream, run.signal, sourceWaitMs);
      return { kind: 'done', summary: await syncList() };
    },
    // A list has no slices to walk; it is finished by one whole read.
    walkSlice: async () => {},
    finish: async () => ({ kind: 'done', summary: await syncList() }),
    verify: (verify, heal) => verifyList(verify, run.stream, heal ? { syncList } : undefined),
  };
}
