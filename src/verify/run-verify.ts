/**
 * One verify over several streams: a run in the ledger (trigger `verify`), each stream verified (and
 * healed when asked) by the engine in parallel under the shared request budget. The `verify` command
 * and the worker's scheduled verify both start here.
 */
import { SYNC_ERROR_CODES } from '../errors.js';
import type { StreamName } from '../streams/types.js';
import { zeroCounts } from '../sync/counts.js';
import { runInProcess } from '../sync/run-sync.js';
import { type RunStatus, type StreamRunResult, type SyncEngine, VERIFY_TRIGGER } from '../sync/types.js';
import type { StreamVerifyResult } from './types.js';

export interface RunVerifyOptions {
  streams: readonly StreamName[];
  heal: boolean;
  signal?: AbortSignal;
  onStreamVerified?: (result: StreamVerifyResult) => void;
}

export interface RunVerifyResult {
  runId: string;
  /** `succeeded` when every stream could be verified (whatever it found), else partial or failed. */
  status: RunStatus;
  results: StreamVerifyResult[];
}

export function runVerify(engine: SyncEngine, options: RunVerifyOptions): Promise<RunVerifyResult> {
  return runInProcess(
    engine,
    { trigger: VERIFY_TRIGGER, streams: options.streams, fullRefresh: false },
    async (runId, stream) => {
      const result = await engine.verifyStream({
        runId,
        stream,
        heal: options.heal,
        ...(options.signal && { signal: options.signal }),
      });
      options.onStreamVerified?.(result);
      return result;
    },
    asRunResult,
  );
}

/** How the run ledger sees a stream's verify: it ran (whatever it found) or it failed. */
function asRunResult(result: StreamVerifyResult): StreamRunResult {
  const base = {
    stream: result.stream,
    counts: { ...zeroCounts(), requests: result.requests },
    durationMs: 0,
  };
  return result.status === 'failed'
    ? {
        ...base,
        status: 'failed',
        error: {
          code: result.error?.code ?? SYNC_ERROR_CODES.internal,
          message: result.error?.message ?? '',
          retryable: true,
        },
      }
    : { ...base, status: 'succeeded' };
}

/** Exit code 0 exactly when every stream verified clean (or had nothing to compare). */
export function verifiedClean(results: readonly StreamVerifyResult[]): boolean {
  return results.every((result) => result.status === 'clean' || result.status === 'skipped');
}
