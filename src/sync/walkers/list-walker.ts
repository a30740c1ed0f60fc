/**
 * Full-refresh streams: no slices; the whole list is read in the plan step until two reads agree
 * (list-sync.ts), after waiting for the stream it is derived from when it has one (source-wait.ts).
 */

import { UNSCOPED } from '../../state/checkpoints.js';
import type { FullRefreshStream } from '../../streams/types.js';
import { verifyContext } from '../../verify/context.js';
import { planListVerify } from '../../verify/plan.js';
import { verifyList } from '../../verify/verify-stream.js';
import { syncWholeList } from '../list-sync.js';
import { awaitSource } from '../source-wait.js';
import type { ListWalker, WalkerFactory } from './walker.js';

export const listWalker: WalkerFactory<FullRefreshStream, ListWalker> = (ctx, run) => {
  const syncList = async () => syncWholeList(ctx, run, { path: await run.route() });
  // A list is always read whole: a verify compares all of it.
  const verifying = () => verifyContext(ctx, run, UNSCOPED);
  return {
    async plan({ sourceWaitMs }) {
      await awaitSource(ctx, run.runId, run.stream, run.signal, sourceWaitMs);
      return { kind: 'done', summary: await syncList() };
    },
    // A list has no slices to walk; it is finished by one whole read.
    walkSlice: async () => {},
    finish: async () => ({ kind: 'done', summary: await syncList() }),
    verify: async (heal) => verifyList(await verifying(), run.stream, heal ? { syncList } : undefined),
    planVerify: async () => planListVerify(await verifying(), run.stream),
  };
};
