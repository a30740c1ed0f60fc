import type { Command } from 'commander';
import { CompiledQuery } from 'kysely';
import { STREAMS } from '../streams/registry.js';
import { STREAM_NAMES } from '../streams/types.js';
import { readCheckpoint } from '../warehouse/checkpoints.js';
import type { Warehouse } from '../warehouse/db.js';
import { lastStreamRuns } from '../warehouse/ledger.js';
import { assertMigrated } from '../warehouse/migrate.js';
import { qualified } from '../warehouse/sql-text.js';
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
      checkpoint?.nextPage != null ? `page ${checkpoint.nextPage}` : '',
      checkpoint?.cursor ? checkpoint.cursor.toISOString() : '',
      counts.rows[0]?.live ?? 0,
      counts.rows[0]?.deleted ?? 0,
      run?.error ?? '',
    ]);
  }
  return textTable(
    ['stream', 'last run', 'when', 'last success', 'resumes at', 'cursor', 'rows', 'deleted', 'error'],
    rows,
  );
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('last run and freshness per stream, row counts, and (with Redis) queues and schedules')
    .action(
      runAction(async () => {
        const { config } = commandContext();
        const text = await withWarehouse(config, warehouseStatus);
        process.stdout.write(`${text}\n`);
        return 0;
      }),
    );
}
