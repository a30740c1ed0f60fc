/**
 * Incremental streams: a keyset walk by the cursor, planned into slices that any process can walk
 * (walk-planner.ts), each slice walked page by page (slice-walk.ts), ended by walk-finisher.ts.
 */
import { degradeWalk, readCheckpoint } from '../../state/checkpoints.js';
import { closeEmptySlices, readSlices } from '../../state/walk-slices.js';
import type { IncrementalStream } from '../../streams/types.js';
import { verifyContext } from '../../verify/context.js';
import { planBucketVerify } from '../../verify/plan.js';
import { verifyIncremental } from '../../verify/verify-stream.js';
import { degradingReason } from '../degraded-walk.js';
import { walkSlice } from '../slice-walk.js';
import { finishWalk } from '../walk-finisher.js';
import { planOrAdoptWalk, walkScopeOf } from '../walk-planner.js';
import { newWalkerId, stealSlice } from '../work-stealing.js';
import { type ListWalker, slicesStep, type WalkerFactory } from './walker.js';

export const keysetWalker: WalkerFactory<IncrementalStream, ListWalker> = (ctx, run, fanOut) => {
  const walkOne = async (
    walkId: string,
    sliceNo: number,
    recordKeys: boolean,
    signal: AbortSignal,
    walker = newWalkerId(),
  ) => {
    const path = await run.route();
    await walkSlice(ctx, { ...run, signal }, { walkId, sliceNo, path, recordKeys, walker });
  };
  /** Walks the slice; a failure no retry fixes is returned as the reason the walk degrades. */
  const walkOrDegrade = async (
    walkId: string,
    sliceNo: number,
    recordKeys: boolean,
    signal: AbortSignal,
    walker: string,
  ) => {
    try {
      await walkOne(walkId, sliceNo, recordKeys, signal, walker);
      return undefined;
    } catch (error) {
      const reason = degradingReason(error);
      if (reason === undefined) throw error;
      run.log.warn({ slice: sliceNo, reason }, 'the slice cannot be walked by time; the walk degrades');
      return reason;
    }
  };
  // A verify compares what a walk of the configured scope covers.
  const verifying = () => verifyContext(ctx, run, walkScopeOf(ctx, run.stream));
  return {
    async plan({ fullRefresh }) {
      const path = await run.route();
      const planned = await planOrAdoptWalk(ctx, run, { fullRefresh, path });
      if (planned.estimatedRecords !== undefined)
        run.onEstimate?.(Math.ceil(planned.estimatedRecords / ctx.settings.pageSize));
      const { walk } = planned;
      return slicesStep(walk.walkId, walk.pass, walk.runId, planned.slices);
    },
    async walkSlice(walkId, sliceNo, signal) {
      const walk = (await readCheckpoint(ctx.db, run.stream.name))?.walk;
      if (!walk || walk.walkId !== walkId) return;
      const walker = newWalkerId();
      // Once its slice is done, the walker takes the far part of a running one (work-stealing.ts).
      for (let next: number | undefined = sliceNo; next !== undefined; ) {
        // A walk that cannot prove itself ends by reading its window whole (walk-finisher.ts).
        const reason =
          walk.degraded ?? (await walkOrDegrade(walkId, next, walk.decidesDeletions, signal, walker));
        if (reason !== undefined) {
          const closing = next;
          await ctx.db.transaction().execute(async (trx) => {
            await degradeWalk(trx, run.stream.name, walkId, reason);
            await closeEmptySlices(trx, walkId, run.stream.cursor.serverOrder, closing);
          });
          return;
        }
        next = ctx.settings.workStealing
          ? await stealSlice(ctx, { ...run, signal }, { walkId, path: await run.route(), thief: walker })
          : undefined;
      }
    },
    async finish() {
      const end = await finishWalk(ctx, run, { path: await run.route() });
      if (end.kind === 'complete') return { kind: 'done', summary: end };
      const walk = (await readCheckpoint(ctx.db, run.stream.name))?.walk;
      if (!walk) return slicesStep('', end.pass, null, []);
      return slicesStep(walk.walkId, end.pass, walk.runId, await readSlices(ctx.db, walk.walkId));
    },
    verify: async (heal) =>
      verifyIncremental(
        await verifying(),
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
    planVerify: async () => planBucketVerify(await verifying(), run.stream),
  };
};
