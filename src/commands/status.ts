import type { Command } from 'commander';
import { CompiledQuery } from 'kysely';
import { createRedisConnection } from '../../jobs/connection.js';
import { queueStatus, STATUS_STATES } from '../../jobs/status.js';
import type { Config } from '../config.js';
import { STREAMS } from '../streams/registry.js';
import { STREAM_NAMES } from '../streams/types.js';
import { readCheckpoint, type WalkInProgress } from '../warehouse/checkpoints.js';
import type { Warehouse } from '../warehouse/db.js';
import { lastStreamRuns } from '../warehouse/ledger.js';
import { assertMigrated } from '../warehouse/migrate.js';
import { qualified } from '../warehouse/sql-text.js';
import { readSlices } from '../warehouse/walk-slices.js';
import { loadWorkerConfig } from '../worker-config.js';
import { commandContext } from './context.js';
import { withWarehouse } from './open-warehouse.js';
import { runAction } from './run-action.js';
import { textTable } from './text-table.js';

/** "3 min ago", "2 h ago", for freshness. */
export function ago(date: Date | null | undefined, now = Date.now()): string {
  if (!date) return 'never';
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/** One line per stream: last run, freshness, walk in progress, live and deleted rows. */
/** "3/8 slices" of the walk in progress (and which read of it), or nothing. */
async function walkProgress(warehouse: Warehouse, walk: WalkInProgress | null): Promise<string> {
  if (!walk) return '';
  const slices = await readSlices(warehouse.db, walk.walkId);
  const done = slices.filter((slice) => slice.done).length;
  return `${done}/${slices.length} slices${walk.pass > 0 ? ` (read ${walk.pass + 1})` : ''}`;
}

export async function warehouseStatus(warehouse: Warehouse): Promise<string> {
  await assertMigrated(warehouse);
  const { latest, lastSuccessAt } = await lastStreamRuns(warehouse.db);
  const rows = [];
  for (const name of STREAM_NAMES) {
    const table = STREAMS[name].table;
    const counts = await warehouse.db.executeQuery<{ live: number; deleted: number }>(
      CompiledQuery.raw(
        `SELECT count(*) FILTER (WHERE deleted_at IS NULL)::int AS live, count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted FROM ${qualified(table.schema, table.name)}`,
      ),
    );
    const run = latest.find((entry) => entry.stream === name);
    const checkpoint = await readCheckpoint(warehouse.db, name);
    rows.push([
      name,
      run?.status ?? 'never run',
      run ? ago(run.finishedAt ?? run.startedAt) : '',
      ago(lastSuccessAt.get(name)),
      await walkProgress(warehouse, checkpoint?.walk ?? null),
      checkpoint?.cursor ? checkpoint.cursor.toISOString() : '',
      counts.rows[0]?.live ?? 0,
      counts.rows[0]?.deleted ?? 0,
      run?.error ?? '',
    ]);
  }
  return textTable(
    ['stream', 'last run', 'when', 'last success', 'walk in progress', 'cursor', 'rows', 'deleted', 'error'],
    rows,
  );
}

/**
 * Queue counts, runs in progress and next schedule fire times. Redis is optional for `status` (a
 * `sync`-only deployment has none), so an unreachable Redis is one line, not a failure.
 */
export async function redisStatus(config: Config): Promise<string> {
  const { prefix } = loadWorkerConfig();
  const connection = createRedisConnection(config.redisUrl.reveal(), {
    failFast: true,
    connectionName: 'sei-sync:status',
  });
  connection.on('error', () => {});
  try {
    await connection.ping();
  } catch {
    connection.disconnect();
    return 'queues: Redis not reachable (only the worker needs it)';
  }
  try {
    const status = await queueStatus({ connection, prefix });
    const counts = textTable(
      ['queue', ...STATUS_STATES],
      Object.entries(status.counts).map(([queue, byState]) => [
        queue,
        ...STATUS_STATES.map((state) => byState[state]),
      ]),
    );
    const runs =
      status.activeRuns.length === 0
        ? 'active runs: none'
        : textTable(
            ['active run', 'trigger', 'full refresh', 'streams', 'pending', 'created'],
            status.activeRuns.map((run) => [
              run.runId,
              run.trigger,
              String(run.fullRefresh),
              run.streams,
              run.pendingStreams,
              ago(run.createdAt),
            ]),
          );
    const schedules =
      status.schedules.length === 0
        ? 'schedules: none (run `sei-sync schedule`)'
        : textTable(
            ['schedule', 'pattern', 'tz', 'next fire'],
            status.schedules.map((s) => [
              s.id,
              s.pattern ?? `every ${s.everyMs} ms`,
              s.tz ?? 'UTC',
              s.next?.toISOString() ?? '',
            ]),
          );
    return [counts, runs, schedules].join('\n\n');
  } finally {
    connection.disconnect();
  }
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('last run and freshness per stream, row counts, and (with Redis) queues and schedules')
    .action(
      runAction(async () => {
        const { config } = commandContext();
        const text = await withWarehouse(config, warehouseStatus);
        process.stdout.write(`${text}\n\n${await redisStatus(config)}\n`);
        return 0;
      }),
    );
}
