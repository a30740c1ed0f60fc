/**
 * What every kind of walk offers the drivers: plan it, walk one slice, finish it, verify it. Each kind
 * of stream has one walker module in this folder; index.ts maps each mode to it.
 */
import type { SliceState } from '../../state/walk-slices.js';
import type { AnyStreamDefinition } from '../../streams/types.js';
import type { VerifyPlan } from '../../verify/plan.js';
import type { StreamVerifyResult } from '../../verify/types.js';
import type { EngineContext, StreamRunContext } from '../engine-context.js';
import type { RunSummary } from '../run-note.js';
import type { SlicesStep } from '../types.js';

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
   * waits up to `sourceWaitMs` while its source is still syncing in this run (source-wait.ts).
   */
  plan(request: { fullRefresh: boolean; sourceWaitMs: number }): Promise<WalkStep>;
  /** Walks one slice of walk `walkId` to its end; a slice of a walk that has ended has nothing to do. */
  walkSlice(walkId: string, sliceNo: number, signal: AbortSignal): Promise<void>;
  /** Once every slice is done: the walk's result, or its slices to read again. */
  finish(): Promise<WalkStep>;
}

/** The walker of an SEI 1.0 list, which SEI's own counts can check. */
export interface ListWalker extends Walker {
  /**
   * Compares the warehouse with the server's counts over what a walk covers (the configured scope; a
   * list is always read whole); heals what differs with this walker when asked.
   */
  verify(heal: boolean): Promise<StreamVerifyResult>;
  /** What a verify would cost (`verify --plan`), from one request and the warehouse. */
  planVerify(): Promise<VerifyPlan>;
}

/** Builds the walker of one stream run; `run.stream` is of the kind the factory walks. */
export type WalkerFactory<S extends AnyStreamDefinition, W extends Walker = Walker> = (
  ctx: EngineContext,
  run: StreamRunContext<S>,
  fanOut: FanOut,
) => W;

/**
 * The step of a walk with slices: the ones not done yet, the newest first. Records crowd recent
 * months and the plan takes them as evenly spread within each stretch it counted, so a stretch's newest
 * slices hold more than their estimate (the one where the records end, several times more): started
 * first, they no longer end the walk, and the older, smaller ones fill in around them. Both drivers
 * start slices in this order (the worker enqueues them so, and its queue is first in, first out).
 */
export function slicesStep(
  walkId: string,
  pass: number,
  ownerRunId: string | null,
  slices: readonly SliceState[],
): WalkStep {
  const open = slices
    .filter((slice) => !slice.done)
    .sort((a, b) => b.to - a.to)
    .map((slice) => slice.sliceNo);
  return { kind: 'slices', walkId, pass, ownerRunId, slices: open };
}
