/** The run ledger: `sei_sync.runs` (one per run) and `sei_sync.stream_runs` (one per stream of a run). */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { SEI_ERROR_CODES } from '../errors.js';
import type { Executor } from '../load/upsert.js';
import { thisProcess } from './run-owners.js';
import {
  NON_SYNC_TRIGGERS,
  type RunStatus,
  type StartRunRequest,
  type StreamCondition,
  type StreamCounts,
  type StreamRunError,
  type StreamRunResult,
} from './run-types.js';
import type { StreamRunsTable } from './schema.js';

export async function startRun(db: Executor, request: StartRunRequest): Promise<string> {
  const id = request.runId ?? randomUUID();
  const owner = request.inProcess ? thisProcess() : undefined;
  await db
    .insertInto('sei_sync.runs')
    .values({
      id,
      trigger: request.trigger,
      full_refresh: request.fullRefresh,
      streams: [...request.streams],
      status: 'running',
      ...(owner && { owner_host: owner.host, owner_pid: owner.pid, heartbeat_at: sql`now()` }),
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
      // A retried stream job of the same run starts the row again; the steps of a worker's stream job
      // (plan, then finish once its slices are done) continue it. Counts add up over all of them.
      oc.columns(['run_id', 'stream']).doUpdateSet({
        status: 'running',
        started_at: sql`CASE WHEN sei_sync.stream_runs.status = 'running' THEN sei_sync.stream_runs.started_at ELSE now() END`,
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
    status: 'succeeded' | 'failed' | 'not_run' | 'interrupted';
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

/** A stream stopped on request (a signal, a worker's shutdown): it resumes where it stopped. */
export function isInterruption(result: StreamRunResult): boolean {
  return result.status === 'failed' && result.error.code === SEI_ERROR_CODES.aborted;
}

/**
 * interrupted when a stream was stopped on request, succeeded when every stream did, failed when none
 * did, partial otherwise.
 */
export function deriveRunStatus(results: readonly StreamRunResult[]): RunStatus {
  if (results.some(isInterruption)) return 'interrupted';
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
  status: StreamRunsTable['status'];
  startedAt: Date;
  finishedAt: Date | null;
  records: number;
  inserted: number;
  updated: number;
  deleted: number;
  rejected: number;
  error: string | null;
  /** A succeeded run that proved less than a walk, or whose list this SEI does not serve. */
  condition: StreamCondition | null;
}

/** The condition a stream run's summary records (`unavailable` or `degraded`, src/sync/run-note.ts). */
function conditionOfSummary(summary: unknown): StreamCondition | null {
  const value = (typeof summary === 'string' ? JSON.parse(summary) : summary) as {
    unavailable?: unknown;
    degraded?: unknown;
  } | null;
  if (typeof value?.unavailable === 'string') return { kind: 'unavailable', reason: value.unavailable };
  if (typeof value?.degraded === 'string') return { kind: 'degraded', reason: value.degraded };
  return null;
}

/**
 * The newest stream run of each stream, and the newest successful one (freshness). Only syncs count:
 * a renormalize reads no API, and a verify moves no cursor, so neither says how fresh the data is.
 */
export async function lastStreamRuns(
  db: Executor,
): Promise<{ latest: LastStreamRun[]; lastSuccessAt: Map<string, Date> }> {
  const syncRuns = db
    .selectFrom('sei_sync.stream_runs')
    .innerJoin('sei_sync.runs', 'sei_sync.runs.id', 'sei_sync.stream_runs.run_id')
    .where('sei_sync.runs.trigger', 'not in', NON_SYNC_TRIGGERS);
  const latest = await syncRuns
    .distinctOn('sei_sync.stream_runs.stream')
    .select([
      'sei_sync.stream_runs.stream',
      'sei_sync.stream_runs.run_id',
      'sei_sync.stream_runs.status',
      'sei_sync.stream_runs.started_at',
      'sei_sync.stream_runs.finished_at',
      'sei_sync.stream_runs.records',
      'sei_sync.stream_runs.inserted',
      'sei_sync.stream_runs.updated',
      'sei_sync.stream_runs.deleted',
      'sei_sync.stream_runs.rejected',
      'sei_sync.stream_runs.error',
      'sei_sync.stream_runs.summary',
    ])
    .orderBy('sei_sync.stream_runs.stream')
    .orderBy('sei_sync.stream_runs.started_at', 'desc')
    .execute();
  const successes = await syncRuns
    .select([
      'sei_sync.stream_runs.stream',
      (eb) => eb.fn.max('sei_sync.stream_runs.finished_at').as('finished_at'),
    ])
    .where('sei_sync.stream_runs.status', '=', 'succeeded')
    .groupBy('sei_sync.stream_runs.stream')
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
      condition: conditionOfSummary(row.summary),
    })),
    lastSuccessAt: new Map(
      successes.filter((row) => row.finished_at).map((row) => [row.stream, row.finished_at as Date]),
    ),
  };
}

/** Counts a stream run accumulates while its pages commit (in any process). */
export type CountDelta = Partial<StreamCounts> & { slices?: number };

const COUNT_COLUMNS = {
  pages: 'pages',
  records: 'records',
  inserted: 'inserted',
  updated: 'updated',
  unchanged: 'unchanged',
  deleted: 'deleted',
  rejected: 'rejected',
  requests: 'requests',
  retries: 'retries',
  rateLimited: 'rate_limited',
  sanitized: 'sanitized',
  slices: 'slices',
} as const satisfies Record<keyof CountDelta, string>;

/**
 * Adds to a stream run's counts. Called inside a page's transaction, the counts commit with the rows
 * (and a page rolled back is not counted); the slices of one stream run may be walked by several
 * workers, so the row in the database, not a process, holds the totals.
 */
export async function addToStreamRun(
  db: Executor,
  runId: string,
  stream: string,
  delta: CountDelta,
): Promise<void> {
  const sets: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(COUNT_COLUMNS)) {
    const value = delta[field as keyof CountDelta];
    if (value !== undefined && value !== 0) sets[column] = sql`${sql.ref(column)} + ${value}`;
  }
  if (Object.keys(sets).length === 0) return;
  await db
    .updateTable('sei_sync.stream_runs')
    .set(sets)
    .where('run_id', '=', runId)
    .where('stream', '=', stream)
    .execute();
}

/**
 * A stream run's counts and how long it took, from its row: its pages may have been written by several
 * processes, and a worker's stream job runs in steps, so no one process saw all of it.
 */
export async function readStreamRun(
  db: Executor,
  runId: string,
  stream: string,
): Promise<{ counts: StreamCounts; durationMs: number | undefined }> {
  const row = await db
    .selectFrom('sei_sync.stream_runs')
    .selectAll()
    .where('run_id', '=', runId)
    .where('stream', '=', stream)
    .executeTakeFirst();
  const durationMs =
    row?.started_at && row.finished_at ? row.finished_at.getTime() - row.started_at.getTime() : undefined;
  return {
    counts: {
      pages: row?.pages ?? 0,
      records: Number(row?.records ?? 0),
      inserted: Number(row?.inserted ?? 0),
      updated: Number(row?.updated ?? 0),
      unchanged: Number(row?.unchanged ?? 0),
      deleted: Number(row?.deleted ?? 0),
      rejected: Number(row?.rejected ?? 0),
      requests: row?.requests ?? 0,
      retries: row?.retries ?? 0,
      rateLimited: row?.rate_limited ?? 0,
      sanitized: Number(row?.sanitized ?? 0),
    },
    durationMs,
  };
}

/**
 * Whether `source` is a stream of run `runId` (started less than `runHours` ago) that has not finished:
 * what a stream derived from its table waits for.
 */
export async function sourceStillSyncing(
  db: Executor,
  runId: string,
  source: string,
  runHours: number,
): Promise<boolean> {
  const { rows } = await sql<{ pending: boolean }>`
    SELECT EXISTS (
      SELECT 1 FROM sei_sync.runs r
      WHERE r.id = ${runId}::uuid AND ${source} = ANY (r.streams)
        AND r.started_at > now() - make_interval(hours => ${runHours})
        -- A source stopped by a worker's shutdown is not finished: its job resumes it on another worker.
        AND NOT EXISTS (
        SELECT 1 FROM sei_sync.stream_runs s WHERE s.run_id = r.id AND s.stream = ${source} AND s.status <> 'running'
          AND s.error_code IS DISTINCT FROM ${SEI_ERROR_CODES.aborted}
      )
    ) AS pending`.execute(db);
  return rows[0]?.pending === true;
}
