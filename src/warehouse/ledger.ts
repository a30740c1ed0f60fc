/** The run ledger: `sei_sync.runs` (one per run) and `sei_sync.stream_runs` (one per stream of a run). */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type {
  RunStatus,
  StartRunRequest,
  StreamCounts,
  StreamRunError,
  StreamRunResult,
} from '../sync/types.js';
import type { Executor } from './upsert.js';

export async function startRun(db: Executor, request: StartRunRequest): Promise<string> {
  const id = request.runId ?? randomUUID();
  await db
    .insertInto('sei_sync.runs')
    .values({
      id,
      trigger: request.trigger,
      full_refresh: request.fullRefresh,
      streams: [...request.streams],
      status: 'running',
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return id;
}

export async function startStreamRun(db: Executor, runId: string, stream: string): Promise<void> {
  await db
    .insertInto('sei_sync.stream_runs')
    .values({ run_id: runId, stream, status: 'running' })
    .onConflict((oc) =>
      // A retried stream job of the same run starts the row again (counts restart with the attempt).
      oc.columns(['run_id', 'stream']).doUpdateSet({
        status: 'running',
        started_at: sql`now()`,
        finished_at: null,
        error: null,
        error_code: null,
      }),
    )
    .execute();
}

export async function finishStreamRun(
  db: Executor,
  runId: string,
  stream: string,
  outcome: {
    status: 'succeeded' | 'failed' | 'not_run';
    counts?: StreamCounts;
    error?: StreamRunError;
    summary?: unknown;
  },
): Promise<void> {
  const c = outcome.counts;
  await db
    .updateTable('sei_sync.stream_runs')
    .set({
      status: outcome.status,
      finished_at: sql`now()`,
      ...(c && {
        pages: c.pages,
        records: c.records,
        inserted: c.inserted,
        updated: c.updated,
        unchanged: c.unchanged,
        deleted: c.deleted,
        rejected: c.rejected,
        sanitized: c.sanitized,
        requests: c.requests,
        retries: c.retries,
        rate_limited: c.rateLimited,
      }),
      error_code: outcome.error?.code ?? null,
      error: outcome.error?.message ?? null,
      summary: outcome.summary === undefined ? null : JSON.stringify(outcome.summary),
    })
    .where('run_id', '=', runId)
    .where('stream', '=', stream)
    .execute();
}

/** succeeded when every stream did, failed when none did, partial otherwise. */
export function deriveRunStatus(results: readonly StreamRunResult[]): RunStatus {
  const ran = results.filter((result) => result.status !== 'not_run');
  const succeeded = ran.filter((result) => result.status === 'succeeded').length;
  if (ran.length > 0 && succeeded === ran.length && ran.length === results.length) return 'succeeded';
  if (succeeded === 0) return 'failed';
  return 'partial';
}

export async function finishRun(
  db: Executor,
  runId: string,
  results: readonly StreamRunResult[],
): Promise<RunStatus> {
  const status = deriveRunStatus(results);
  const failed = results.filter((result) => result.status !== 'succeeded').map((result) => result.stream);
  await db
    .updateTable('sei_sync.runs')
    .set({
      status,
      finished_at: sql`now()`,
      error: failed.length > 0 ? `streams not synced: ${failed.join(', ')}` : null,
    })
    .where('id', '=', runId)
    .execute();
  return status;
}

export interface LastStreamRun {
  stream: string;
  runId: string;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  records: number;
  inserted: number;
  updated: number;
  deleted: number;
  rejected: number;
  error: string | null;
}

/** The newest stream run of each stream, and the newest successful one (freshness). */
export async function lastStreamRuns(
  db: Executor,
): Promise<{ latest: LastStreamRun[]; lastSuccessAt: Map<string, Date> }> {
  const latest = await db
    .selectFrom('sei_sync.stream_runs')
    .distinctOn('stream')
    .select([
      'stream',
      'run_id',
      'status',
      'started_at',
      'finished_at',
      'records',
      'inserted',
      'updated',
      'deleted',
      'rejected',
      'error',
    ])
    .orderBy('stream')
    .orderBy('started_at', 'desc')
    .execute();
  const successes = await db
    .selectFrom('sei_sync.stream_runs')
    .select(['stream', (eb) => eb.fn.max('finished_at').as('finished_at')])
    .where('status', '=', 'succeeded')
    .groupBy('stream')
    .execute();
  return {
    latest: latest.map((row) => ({
      stream: row.stream,
      runId: row.run_id,
      status: row.status,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      records: row.records,
      inserted: row.inserted,
      updated: row.updated,
      deleted: row.deleted,
      rejected: row.rejected,
      error: row.error,
    })),
    lastSuccessAt: new Map(
      successes.filter((row) => row.finished_at).map((row) => [row.stream, row.finished_at as Date]),
    ),
  };
}
