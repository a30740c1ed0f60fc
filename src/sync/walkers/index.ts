/**
 * A stream's walker, chosen by its mode in one table: how its walk is planned, how one slice is
 * walked, how the walk ends; for an SEI 1.0 list also how it is verified. Both drivers (local-driver.ts
 * in one process, the worker's steps) call these steps and nothing else.
 *
 * A new kind of stream is a declaration type in src/streams/types.ts (a new `mode` in
 * `AnyStreamDefinition`), a walker module (here, or in the feature's own room), and one line in
 * `WALKERS`: the table's type asks for a factory per mode, and each factory receives its own kind of stream.
 */
import { doraWalker } from '../../dora/walker.js';
import { isListStream } from '../../streams/registry.js';
import type { AnyStreamDefinition, ListStreamMode, StreamMode, StreamOfMode } from '../../streams/types.js';
import { v2Walker } from '../../v2/walker.js';
import type { EngineContext, StreamRunContext } from '../engine-context.js';
import { keysetWalker } from './keyset-walker.js';
import { listWalker } from './list-walker.js';
import type { FanOut, ListWalker, Walker, WalkerFactory } from './walker.js';

export type { FanOut, ListWalker, Walker, WalkStep } from './walker.js';

/** The SEI 1.0 lists: walked, and verified against SEI's counts. */
const LIST_WALKERS: { readonly [M in ListStreamMode]: WalkerFactory<StreamOfMode<M>, ListWalker> } = {
  incremental: keysetWalker,
  full_refresh: listWalker,
};

const WALKERS: { readonly [M in StreamMode]: WalkerFactory<StreamOfMode<M>> } = {
  ...LIST_WALKERS,
  dora_snapshot: doraWalker,
  v2: v2Walker,
};

export function walkerOf(
  ctx: EngineContext,
  run: StreamRunContext<AnyStreamDefinition>,
  fanOut: FanOut,
): Walker {
  return walkerOfMode(run.stream.mode, ctx, run, fanOut);
}

/** The walker of a run of a 1.0 list (verify and its plan); any other stream is refused in one line. */
export function listWalkerOf(
  ctx: EngineContext,
  run: StreamRunContext<AnyStreamDefinition>,
  fanOut: FanOut,
): ListWalker {
  const { stream } = run;
  if (!isListStream(stream))
    throw new Error(`${stream.name} is not an SEI 1.0 list: SEI publishes no counts to verify it against`);
  return listWalkerOfMode(stream.mode, ctx, { ...run, stream }, fanOut);
}

// The mode and the stream's kind are correlated through M, so the table's entry takes this run as is.
function walkerOfMode<M extends StreamMode>(
  mode: M,
  ctx: EngineContext,
  run: StreamRunContext<StreamOfMode<M>>,
  fanOut: FanOut,
): Walker {
  return WALKERS[mode](ctx, run, fanOut);
}

function listWalkerOfMode<M extends ListStreamMode>(
  mode: M,
  ctx: EngineContext,
  run: StreamRunContext<StreamOfMode<M>>,
  fanOut: FanOut,
): ListWalker {
  return LIST_WALKERS[mode](ctx, run, fanOut);
}
