/**
 * Plans the walk of an incremental stream, or finds the one already in progress.
 *
 * A new walk covers `[cursor - lookback, now]` (from the start of the sync's scope, SEI_START_DATE or
 * the beginning of time, when there is no cursor for this scope, or on a full refresh), is fixed when
 * planned so that a resumed walk sees the same window, and is cut into slices from the server's counts. Its slices are written with the checkpoint in one transaction.
 * A walk in progress (a crash, a retried job, a worker that died, another run that started it) is
 * continued as it is: its slices resume where their last committed page left them.
 */
import { randomUUID } from 'node:crypto';
import { listSourceOf, pageSizeOf } from '../extract/list-source.js';
import { planSlices } from '../extract/slicing.js';
import {
  EARLIEST_SECOND,
  fromEpochSeconds,
  recordSecond,
  type TimeRange,
  toEpochSeconds,
} from '../extract/time-range.js';
import { forgetWalkKeys } from '../load/deletes.js';
import {
  beginWalk,
  readCheckpoint,
  sameScope,
  type WalkInProgress,
  type WalkScope,
} from '../state/checkpoints.js';
import { addToStreamRun } from '../state/ledger.js';
import {
  closeEmptySlices,
  createSlices,
  forgetSlices,
  readSlices,
  releaseClaims,
  type SliceState,
} from '../state/walk-slices.js';
import type { IncrementalStream } from '../streams/types.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';
import { countWindow } from './window-count.js';

export interface PlannedWalk {
  walk: WalkInProgress;
  slices: SliceState[];
  /** True when this call planned it; false when it continues a walk in progress. */
  planned: boolean;
  /** The window's count when the server gave one (new walks only). */
  estimatedRecords: number | undefined;
}

/** What a walk of `stream` under the configured scope covers (SEI_START_DATE, SEI_INTEGRATION_IDS). */
export function walkScopeOf(ctx: Pick<EngineContext, 'settings'>, stream: IncrementalStream): WalkScope {
  return {
    from: ctx.settings.scope.startDate ? toEpochSeconds(ctx.settings.scope.startDate) : null,
    integrationIds: stream.integrationColumn ? (ctx.settings.scope.integrationIds ?? null) : null,
  };
}

export async function planOrAdoptWalk(
  ctx: EngineContext,
  run: StreamRunContext<IncrementalStream>,
  options: { fullRefresh: boolean; path: string },
): Promise<PlannedWalk> {
  const { stream } = run;
  const checkpoint = await readCheckpoint(ctx.db, stream.name);
  const inProgress = checkpoint?.walk ?? null;
  // A full refresh starts over, except when this very run planned the walk: a retried job resumes it.
  if (inProgress && !(options.fullRefresh && inProgress.runId !== run.runId)) {
    // Whoever walked its open slices is gone (a killed process, a retried job): they start anew.
    await releaseClaims(ctx.db, inProgress.walkId);
    const slices = await readSlices(ctx.db, inProgress.walkId);
    run.log.info(
      {
        walkId: inProgress.walkId,
        pass: inProgress.pass,
        slices: slices.length,
        done: slices.filter((s) => s.done).length,
      },
      'continuing the walk in progress',
    );
    return { walk: inProgress, slices, planned: false, estimatedRecords: undefined };
  }
  if (inProgress) {
    await forgetSlices(ctx.db, inProgress.walkId);
    await forgetWalkKeys(ctx.db, inProgress.walkId);
  }

  // The scope of this sync: a cursor reached for another one (another horizon, other integrations)
  // says nothing about this one, which then walks from its horizon like a first sync.
  const scope = walkScopeOf(ctx, stream);
  const cursorCounts = !options.fullRefresh && checkpoint?.cursor && sameScope(checkpoint.cursorScope, scope);
  const cursor = cursorCounts ? (checkpoint?.cursor ?? null) : null;
  if (checkpoint?.cursor && !options.fullRefresh && !cursorCounts)
    run.log.info(
      { cursorScope: checkpoint.cursorScope, scope },
      'the cursor was reached for another scope (backfill horizon or integrations): walking this scope from its start',
    );
  // The current second is in the window: a record changed later within it is read again by the next
  // run's lookback (SEI filters in whole seconds, so excluding it would delay every fresh change a run).
  const to = toEpochSeconds(ctx.now()) + 1;
  const horizon = scope.from ?? EARLIEST_SECOND;
  const from =
    cursor === null ? horizon : Math.max(horizon, toEpochSeconds(cursor) - ctx.settings.lookbackSeconds);
  const range: TimeRange = { from, to };
  const source = listSourceOf(ctx, stream, options.path);
  const ascending = stream.cursor.serverOrder === 'asc';
  const count = (part: TimeRange, records?: number) => countWindow(ctx, run, source, part, records);
  const plan = await planSlices({
    range,
    pageSize: pageSizeOf(ctx, stream),
    rounds: ctx.settings.planRounds,
    count,
    // Ascending, the first record of the window is the answer to a one-record request (the first few
    // records, when asked: a window from before 1970, ../extract/slicing.ts).
    ...(ascending && {
      firstInstant: async (part: TimeRange, records?: number) => {
        const { answer, total, cost } = await count(part, records);
        const first = answer.records[0];
        const instants: number[] = [];
        for (const record of answer.records) {
          const instant = recordSecond(stream.cursor, record);
          if (instant === undefined) break;
          instants.push(instant);
        }
        return { first: first && recordSecond(stream.cursor, first), total, cost, instants };
      },
    }),
  });
  const walk: WalkInProgress = {
    walkId: randomUUID(),
    runId: run.runId,
    windowStart: from === EARLIEST_SECOND ? null : fromEpochSeconds(from),
    windowEnd: fromEpochSeconds(to),
    // From the start of its scope the walk sees every record SEI lists there: what it does not see is gone.
    decidesDeletions: cursor === null,
    pass: 0,
    scope,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await beginWalk(trx, stream.name, walk);
    await createSlices(trx, walk.walkId, stream.name, stream.cursor.serverOrder, plan.slices);
    // The count already proved the window empty (a tenant without this tool): nothing to walk.
    if (plan.total === 0) await closeEmptySlices(trx, walk.walkId, stream.cursor.serverOrder);
    await addToStreamRun(trx, run.runId, stream.name, { ...plan.cost, slices: plan.slices.length });
  });
  run.log.info(
    {
      walkId: walk.walkId,
      windowStart: walk.windowStart,
      windowEnd: walk.windowEnd,
      records: plan.total,
      slices: plan.slices.length,
      countRequests: plan.cost.requests,
      decidesDeletions: walk.decidesDeletions,
    },
    'walk planned',
  );
  return {
    walk,
    slices: await readSlices(ctx.db, walk.walkId),
    planned: true,
    estimatedRecords: plan.total,
  };
}
