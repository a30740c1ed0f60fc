/**
 * Runs as the engine starts and closes them: an in-process run beats a heartbeat until it is finished,
 * so that a later run can tell its process was killed (and closes it: run-owners.ts).
 */
import { finishRun, startRun } from '../state/ledger.js';
import { beatRun, closeAbandonedRuns, RUN_HEARTBEAT } from '../state/run-owners.js';
import type { EngineContext } from './engine-context.js';
import type { SyncEngine } from './types.js';

export function runLedger(ctx: EngineContext): Pick<SyncEngine, 'startRun' | 'finishRun' | 'close'> {
  /** The heartbeats of this process's in-process runs, until each is finished. */
  const heartbeats = new Map<string, NodeJS.Timeout>();
  return {
    async startRun(request) {
      // The next in-process run closes the runs whose process was killed (the worker's are BullMQ's).
      if (request.inProcess)
        for (const gone of await closeAbandonedRuns(ctx.db))
          ctx.logger.warn({ runId: gone.runId, ...gone.owner }, `closed an earlier run: ${gone.reason}`);
      const runId = await startRun(ctx.db, request);
      if (request.inProcess)
        heartbeats.set(
          runId,
          setInterval(() => {
            beatRun(ctx.db, runId).catch(() => {});
          }, RUN_HEARTBEAT.everyMs).unref(),
        );
      return runId;
    },
    finishRun(runId, results) {
      clearInterval(heartbeats.get(runId));
      heartbeats.delete(runId);
      return finishRun(ctx.db, runId, results);
    },
    async close() {
      for (const timer of heartbeats.values()) clearInterval(timer);
      heartbeats.clear();
    },
  };
}
