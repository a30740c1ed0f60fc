/**
 * One run over several streams, in one process: the `sync` and `demo` commands. Streams run in
 * parallel; the shared request budget, not the number of streams, limits how fast SEI is called.
 * A stream that may derive its rows from another's table (cicd_jobs from cicd_job_runs, when its
 * endpoint is broken) waits for that stream itself (source-wait.ts), as in the worker.
 */
import type { AnyStreamName } from '../streams/types.js';
import type { RunStatus, RunTrigger, StreamRunResult, SyncEngine, SyncProgress } from './types.js';

export interface RunSyncOptions {
  streams: readonly AnyStreamName[];
  fullRefresh: boolean;
  trigger: RunTrigger;
  /** The user named the streams (`--streams`): one whose list this SEI does not serve fails. */
  named?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
  onStreamFinished?: (result: StreamRunResult) => void;
}

export interface RunSyncResult {
  runId: string;
  status: RunStatus;
  results: StreamRunResult[];
}

export function runSync(engine: SyncEngine, options: RunSyncOptions): Promise<RunSyncResult> {
  return runInProcess(
    engine,
    { trigger: options.trigger, streams: options.streams, fullRefresh: options.fullRefresh },
    async (runId, stream) => {
      const result = await engine.syncStream({
        runId,
        stream,
        fullRefresh: options.fullRefresh,
        ...(options.named && { named: true }),
        ...(options.signal && { signal: options.signal }),
        ...(options.onProgress && { onProgress: options.onProgress }),
      });
      options.onStreamFinished?.(result);
      return result;
    },
    (result) => result,
  );
}

/**
 * One run of this process in the ledger: started, every stream done at once by `perStream` (the shared
 * request budget, not the number of streams, limits how fast SEI is called), finished with each
 * stream's result as the ledger sees it.
 */
export async function runInProcess<N extends AnyStreamName, R>(
  engine: SyncEngine,
  run: { trigger: RunTrigger; streams: readonly N[]; fullRefresh: boolean },
  perStream: (runId: string, stream: N) => Promise<R>,
  asRunResult: (result: R) => StreamRunResult,
): Promise<{ runId: string; status: RunStatus; results: R[] }> {
  const runId = await engine.startRun({ ...run, inProcess: true });
  const results = await Promise.all(run.streams.map((stream) => perStream(runId, stream)));
  const status = await engine.finishRun(runId, results.map(asRunResult));
  return { runId, status, results };
}
