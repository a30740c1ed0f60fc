/**
 * The rows of a stream whose endpoint is known to be broken (`StreamBase.fallback`: cicd_jobs), derived
 * from a table already synced, as the parts of a whole-list walk: the same normalizer, history and
 * deletions as records from the API. One query, one part; the list is complete by construction.
 */
import { sql } from 'kysely';
import { noCost } from '../extract/list-request.js';
import { SEI_ERROR_CODES, SeiError } from '../extract/sei/errors.js';
import { sleep } from '../extract/sei/retry.js';
import type { SeiRecord } from '../extract/sei/types.js';
import type { WholeListPart, WholeListResult } from '../extract/whole-list-walk.js';
import { StreamBusyError } from '../state/stream-lock.js';
import type { DerivedFallback, StreamDefinition, StreamName } from '../streams/types.js';
import type { EngineContext } from './engine-context.js';

/** The fallback to use when `error` is the broken endpoint's known failure, else undefined. */
export function knownFailure(
  stream: StreamDefinition,
  error: unknown,
): { fallback: DerivedFallback; status: number } | undefined {
  const fallback = stream.fallback;
  if (!fallback || !(error instanceof SeiError) || error.status === undefined) return undefined;
  return fallback.statuses.includes(error.status) ? { fallback, status: error.status } : undefined;
}

/**
 * The derived stream must wait: its source is part of this run and not finished yet. A busy stream, as
 * far as the workers go: the job is put back and tried again later (in one process the wait has no
 * deadline: the source runs beside it).
 */
export class SourcePendingError extends StreamBusyError {
  constructor(stream: StreamName, source: StreamName) {
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
 * Waits while `fallback.from` is part of this run and not finished, polling the run ledger (the one
 * place the dependency is followed, whichever process runs the source); after `maxWaitMs` throws
 * SourcePendingError (a worker puts the job back and frees its slot, which the source's slices may
 * need). Returns at once when the source is not in this run.
 */
export async function awaitSource(
  ctx: EngineContext,
  runId: string,
  stream: StreamDefinition,
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
    while (await sourcePending(ctx, runId, source)) {
      if (Date.now() >= deadline) throw new SourcePendingError(stream.name, source);
      await sleep(SOURCE_WAIT.pollMs, signal);
    }
  }
}

async function sourcePending(ctx: EngineContext, runId: string, source: StreamName): Promise<boolean> {
  const { rows } = await sql<{ pending: boolean }>`
    SELECT EXISTS (
      SELECT 1 FROM sei_sync.runs r
      WHERE r.id = ${runId}::uuid AND ${source} = ANY (r.streams)
        AND r.started_at > now() - make_interval(hours => ${SOURCE_WAIT.runHours})
        -- A source stopped by a worker's shutdown is not finished: its job resumes it on another worker.
        AND NOT EXISTS (
        SELECT 1 FROM sei_sync.stream_runs s WHERE s.run_id = r.id AND s.stream = ${source} AND s.status <> 'running'
          AND s.error_code IS DISTINCT FROM ${SEI_ERROR_CODES.aborted}
      )
    ) AS pending`.execute(ctx.db);
  return rows[0]?.pending === true;
}

export async function* deriveList(
  ctx: EngineContext,
  stream: StreamDefinition,
  fallback: DerivedFallback,
): AsyncGenerator<WholeListPart, WholeListResult> {
  const result = await sql<{ record: SeiRecord }>`SELECT d.record FROM (${sql.raw(fallback.sql)}) d`.execute(
    ctx.db,
  );
  const records = result.rows.map((row) => row.record);
  const keys = new Set<string>();
  for (const record of records) {
    const key = stream.recordKey(record);
    if (key !== undefined) keys.add(key);
  }
  yield { records, cost: noCost(), stringsKnownStorable: false };
  return { keys, clean: true, reads: 0 };
}
