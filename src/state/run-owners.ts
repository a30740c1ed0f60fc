/**
 * Who runs an in-process run, and whether that process is still there. A run killed without warning
 * (kill -9, a lost machine) cannot close its own ledger row; whoever looks next decides it is gone:
 * on this host by its pid, elsewhere by a heartbeat older than RUN_HEARTBEAT.staleAfterMs.
 */
import { hostname } from 'node:os';
import { sql } from 'kysely';
import { SYNC_ERROR_CODES } from '../errors.js';
import type { Executor } from '../load/write-types.js';

export const RUN_HEARTBEAT = {
  /** How often a running in-process run says it is alive. */
  everyMs: 30_000,
  /** A run of another host silent this long is taken for gone (ten missed heartbeats). */
  staleAfterMs: 300_000,
} as const;

export interface RunOwner {
  host: string;
  pid: number;
}

export function thisProcess(): RunOwner {
  return { host: hostname(), pid: process.pid };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface AbandonedRun {
  runId: string;
  owner: RunOwner;
  /** One line for the ledger and `status`. */
  reason: string;
}

/** Running in-process runs whose process is gone. Reads only. */
export async function abandonedRuns(db: Executor): Promise<AbandonedRun[]> {
  const rows = await db
    .selectFrom('sei_sync.runs')
    .select([
      'id',
      'owner_host',
      'owner_pid',
      sql<boolean>`heartbeat_at < now() - make_interval(secs => ${RUN_HEARTBEAT.staleAfterMs / 1000})`.as(
        'silent',
      ),
    ])
    .where('status', '=', 'running')
    .where('owner_pid', 'is not', null)
    .execute();
  const here = thisProcess().host;
  return rows.flatMap((row) => {
    const owner = { host: row.owner_host ?? '', pid: row.owner_pid ?? 0 };
    const gone = owner.host === here ? !processAlive(owner.pid) : row.silent === true;
    if (!gone) return [];
    const reason = `interrupted: its process (pid ${owner.pid} on ${owner.host}) ended without closing it; the next sync resumes where it stopped`;
    return [{ runId: row.id, owner, reason }];
  });
}

/** Closes the runs whose process is gone as interrupted, with their streams still marked running. */
export async function closeAbandonedRuns(db: Executor): Promise<AbandonedRun[]> {
  const abandoned = await abandonedRuns(db);
  for (const run of abandoned) {
    await db
      .updateTable('sei_sync.stream_runs')
      .set({
        status: 'interrupted',
        finished_at: sql`now()`,
        error_code: SYNC_ERROR_CODES.abandoned,
        error: run.reason,
      })
      .where('run_id', '=', run.runId)
      .where('status', '=', 'running')
      .execute();
    await db
      .updateTable('sei_sync.runs')
      .set({ status: 'interrupted', finished_at: sql`coalesce(heartbeat_at, now())`, error: run.reason })
      .where('id', '=', run.runId)
      .where('status', '=', 'running')
      .execute();
  }
  return abandoned;
}

/** The owner's heartbeat: the run is still going. */
export async function beatRun(db: Executor, runId: string): Promise<void> {
  await db
    .updateTable('sei_sync.runs')
    .set({ heartbeat_at: sql`now()` })
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .execute();
}
