/**
 * A stream's walker, chosen by its mode in one table: how its walk is planned, how one slice is
 * walked, how the walk ends, how it is verified. Both drivers (local-driver.ts in one process, the
 * worker's steps) call these steps and nothing else.
 *
 * A new kind of stream is a declaration type in src/streams/types.ts (a new `mode` in the
 * `StreamDefinition` union), a walker module here, and one line in `WALKERS`: the table's type asks
 * for a factory per mode, and each factory receives its own kind of stream.
 */
import type { StreamMode, StreamOfMode } from '../../streams/types.js';
import type { EngineContext, StreamRunContext } from '../engine-context.js';
import { keysetWalker } from './keyset-walker.js';
import { listWalker } from './list-walker.js';
import type { FanOut, Walker, WalkerFactory } from './walker.js';

export type { FanOut, Walker, WalkStep } from './walker.js';

const WALKERS: { readonly [M in StreamMode]: WalkerFactory<StreamOfMode<M>> } = {
  incremental: keysetWalker,
  full_refresh: listWalker,
};

export function walkerOf(ctx: EngineContext, run: StreamRunContext, fanOut: FanOut): Walker {
  return walkerOfMode(run.stream.mode, ctx, run, fanOut);
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
