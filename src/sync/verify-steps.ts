/**
 * Verify as a step of a stream run: the list's walker compares the warehouse with SEI's counts (and
 * heals), under the same lock and ledger row as a sync; its plan (`verify --plan`) is booked nowhere.
 * Only SEI 1.0 lists are verified: DORA snapshots and SEI 2.0 exports have no counts to compare with.
 */
import type { Logger } from '../observability/logger.js';
import { readStreamRun } from '../state/ledger.js';
import type { StreamDefinition, StreamName } from '../streams/types.js';
import { failedVerify } from '../verify/failed.js';
import { saveVerifyResult } from '../verify/results.js';
import { verifySummary } from '../verify/types.js';
import type { EngineContext } from './engine-context.js';
import { linkedAbort, type StreamRuns } from './stream-run.js';
import type { SyncEngine } from './types.js';
import { type FanOut, listWalkerOf } from './walkers/index.js';

/** The run id of work that is booked in no run (a verify plan): ledger updates match no row. */
const NO_RUN = '00000000-0000-0000-0000-000000000000';

export function verifySteps(
  ctx: EngineContext,
  runs: StreamRuns,
  fanOut: FanOut,
  logger: Logger,
): Pick<SyncEngine, 'verifyStream' | 'planVerify'> {
  const lists = ctx.streams as Readonly<Record<StreamName, StreamDefinition>>;
  return {
    async verifyStream(request) {
      const doneMessage = request.heal ? 'stream verified and healed' : 'stream verified';
      const { result, value } = await runs.closedRun(
        request,
        { startRow: true, bookBusy: false, doneMessage },
        async (run) => {
          const verified = await listWalkerOf(ctx, run, fanOut).verify(request.heal);
          // The ledger counts every request of the stream run (the route probe too).
          const { counts } = await readStreamRun(ctx.db, request.runId, request.stream);
          const value = { ...verified, requests: counts.requests };
          return { summary: verifySummary(value), value };
        },
      );
      const verified = value ?? failedVerify(lists[request.stream], result);
      // What status and /metrics read; a verify whose result cannot be stored still reports it here.
      await saveVerifyResult(ctx.db, request.runId, verified, request.heal).catch((error: unknown) =>
        logger.warn({ stream: request.stream, err: error }, 'verify result not stored'),
      );
      return verified;
    },

    async planVerify(request) {
      const { controller, unlink } = linkedAbort(request.signal);
      try {
        const run = runs.runContext({ runId: NO_RUN, stream: request.stream }, controller.signal);
        return await listWalkerOf(ctx, run, fanOut).planVerify();
      } finally {
        unlink();
      }
    },
  };
}
