/**
 * The one dependency between streams: a stream derived from another's table (cicd_jobs from cicd_job_runs,
 * extract/derived-list.ts) waits while its source is part of this run and not finished, whichever
 * process runs the source (the run ledger says so).
 */
import { sleep } from '../extract/sei/retry.js';
import { sourceStillSyncing } from '../state/ledger.js';
import { StreamBusyError } from '../state/stream-lock.js';
import type { DoraSnapshotStream, DoraStreamName, StreamDefinition, StreamName } from '../streams/types.js';
import type { EngineContext } from './engine-context.js';

/**
 * The derived stream must wait: its source is part of this run and not finished yet. A busy stream, as
 * far as the workers go: the job is put back and tried again later (in one process the wait has no
 * deadline: the source runs beside it).
 */
export class SourcePendingError extends StreamBusyError {
  constructor(stream: StreamName | DoraStreamName, source: StreamName) {
    super(stream);
    this.message = `${stream} derives its rows from ${source}, which this run has not finished syncing; trying again later`;
  }
}

/**
 * How long a derived stream waits here for its source before its job is put back (workers), and for
 * how long after its run began a source is worth waiting for at all (a source job that never starts
 * must not hold the derived stream, and so the run, forever).
 */
export const SOURCE_WAIT = { maxMs: 10_000, pollMs: 200, runHours: 6 } as const;

/**
 * Waits while `fallback.from` (or a DORA stream's `dependsOn`) is part of this run and not finished, polling the run ledger (the one
 * place the dependency is followed, whichever process runs the source); after `maxWaitMs` throws
 * SourcePendingError (a worker puts the job back and frees its slot, which the source's slices may
 * need). Returns at once when the source is not in this run.
 */
export async function awaitSource(
  ctx: EngineContext,
  runId: string,
  stream: StreamDefinition | DoraSnapshotStream,
  signal: AbortSignal,
  maxWaitMs: number,
): Promise<void> {
  const sources = stream.fallback
    ? [stream.fallback.from]
    : stream.mode === 'dora_snapshot'
      ? stream.dependsOn
      : [];
  const deadline = Date.now() + maxWaitMs;
  for (const source of sources) {
    while (await sourceStillSyncing(ctx.db, runId, source, SOURCE_WAIT.runHours)) {
      if (Date.now() >= deadline) throw new SourcePendingError(stream.name, source);
      await sleep(SOURCE_WAIT.pollMs, signal);
    }
  }
}
