import type { Command } from 'commander';
import { CompiledQuery } from 'kysely';
import { createRedisConnection } from '../../jobs/connection.js';
import { queueStatus, STATUS_STATES } from '../../jobs/status.js';
import type { Config } from '../config.js';
import { renormalizeCheckpoints } from '../renormalize/index.js';
import type { Warehouse } from '../state/index.js';
import {
  abandonedRuns,
  assertMigrated,
  lastStreamRuns,
  qualified,
  readCheckpoint,
  readSlices,
  type WalkInProgress,
} from '../state/index.js';
import { DORA_STREAMS, isStreamName, STREAMS } from '../streams/registry.js';
import { DORA_STREAM_NAMES, STREAM_NAMES } from '../streams/types.js';
import { type LatestVerify, latestVerifies } from '../verify/index.js';
import { loadWorkerConfig } from '../worker-config.js';
import { commandContext } from './context.js';
import {
  documentHead,
  exitCodeOf,
  isoOrNull,
  JSON_FLAG,
  JSON_OPTION_HELP,
  type QueuesJson,
  type StatusDocument,
  type StreamStatusJson,
  scopeJson,
  writeJsonDocument,
} from './json-output.js';
import { withWarehouse } from './open-warehouse.js';
import { runAction } from './run-action.js';
import { describeScope } from './scope-options.js';
import { textTable } from './text-table.js';

/** "3 min ago", "2 h ago", for freshness. */
export function ago(date: Date | string | null | undefined, now = Date.now()): string {
  if (!date) return 'never';
  const seconds = Math.max(0, Math.round((now - new Date(date).getTime()) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/** The walk in progress: slices done of all, and which read of them this is (1 first). */
async function walkProgress(
  warehouse: Warehouse,
  walk: WalkInProgress | null,
): Promise<StreamStatusJson['walkInProgress']> {
  if (!walk) return null;
  const slices = await readSlices(warehouse.db, walk.walkId);
  return {
    slicesDone: slices.filter((slice) => slice.done).length,
    slices: slices.length,
    read: walk.pass + 1,
  };
}

function lastVerifyJson(verify: LatestVerify | undefined): StreamStatusJson['lastVerify'] {
  if (!verify) return null;
  return {
    runId: verify.runId,
    at: verify.verifiedAt.toISOString(),
    status: verify.status,
    differing: verify.differing,
    healed: verify.healed,
    lastCleanAt: isoOrNull(verify.lastCleanAt),
  };
}

/** "clean 2 d ago", "3 buckets DIFFER 1 h ago": a stream whose last verify differs stands out. */
export function verifyCell(verify: StreamStatusJson['lastVerify'], now = Date.now()): string {
  if (!verify) return '';
  const when = ago(verify.at, now);
  if (verify.status === 'differs')
    return `${verify.differing} bucket${verify.differing === 1 ? '' : 's'} DIFFER ${when}`;
  return `${verify.status === 'clean' && verify.healed > 0 ? `healed ${verify.healed}, clean` : verify.status} ${when}`;
}

/** Per stream: last sync, freshness, walk in progress, live and deleted rows, last verify. */
export async function warehouseStatus(warehouse: Warehouse): Promise<StreamStatusJson[]> {
  await assertMigrated(warehouse);
  const { latest, lastSuccessAt } = await lastStreamRuns(warehouse.db);
  const renormalizing = await renormalizeCheckpoints(warehouse.db);
  const verifies = await latestVerifies(warehouse.db);
  // Runs whose process was killed are shown as what they are; the next run closes them in the ledger.
  const abandoned = new Map((await abandonedRuns(warehouse.db)).map((run) => [run.runId, run.reason]));
  const streams: StreamStatusJson[] = [];
  // The DORA streams are named, not default: listed once they have run.
  const ran = DORA_STREAM_NAMES.filter((name) => latest.some((entry) => entry.stream === name));
  for (const name of [...STREAM_NAMES, ...ran]) {
    const { table, mode } = isStreamName(name) ? STREAMS[name] : DORA_STREAMS[name];
    const counts = await warehouse.db.executeQuery<{ live: number; deleted: number }>(
      CompiledQuery.raw(
        `SELECT count(*) FILTER (WHERE deleted_at IS NULL)::int AS live, count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted FROM ${qualified(table.schema, table.name)}`,
      ),
    );
    const run = latest.find((entry) => entry.stream === name);
    const gone = run?.status === 'running' ? abandoned.get(run.runId) : undefined;
    const checkpoint = await readCheckpoint(warehouse.db, name);
    streams.push({
      stream: name,
      mode,
      lastRun: run
        ? {
            runId: run.runId,
            status: gone === undefined ? run.status : 'interrupted',
            startedAt: run.startedAt.toISOString(),
            finishedAt: isoOrNull(run.finishedAt),
            error: gone ?? run.error,
            condition: run.condition,
          }
        : null,
      lastSuccessAt: isoOrNull(lastSuccessAt.get(name)),
      cursor: isoOrNull(checkpoint?.cursor),
      walkInProgress: await walkProgress(warehouse, checkpoint?.walk ?? null),
      rows: { live: counts.rows[0]?.live ?? 0, deleted: counts.rows[0]?.deleted ?? 0 },
      renormalizeResumesAfter: renormalizing.get(name)?.afterKey ?? null,
      lastVerify: lastVerifyJson(verifies.get(name)),
    });
  }
  return streams;
}

export function warehouseStatusTable(streams: readonly StreamStatusJson[], now = Date.now()): string {
  return textTable(
    [
      'stream',
      'last run',
      'when',
      'last success',
      'walk in progress',
      'cursor',
      'rows',
      'deleted',
      'last verify',
      'error / condition',
    ],
    streams.map((s) => [
      s.stream,
      s.lastRun?.status ?? 'never run',
      s.lastRun ? ago(s.lastRun.finishedAt ?? s.lastRun.startedAt, now) : '',
      ago(s.lastSuccessAt, now),
      s.walkInProgress
        ? `${s.walkInProgress.slicesDone}/${s.walkInProgress.slices} slices${s.walkInProgress.read > 1 ? ` (read ${s.walkInProgress.read})` : ''}`
        : '',
      s.cursor ?? '',
      s.rows.live,
      s.rows.deleted,
      verifyCell(s.lastVerify, now),
      s.lastRun?.error ??
        (s.lastRun?.condition ? `${s.lastRun.condition.kind}: ${s.lastRun.condition.reason}` : ''),
    ]),
  );
}

/**
 * Queue counts, runs in progress and next schedule fire times. Redis is optional for `status` (a
 * `sync`-only deployment has none), so an unreachable Redis is a finding, not a failure.
 */
export async function redisStatus(config: Config): Promise<QueuesJson> {
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
    return { reachable: false, reason: 'Redis not reachable (only the worker needs it)' };
  }
  try {
    const status = await queueStatus({ connection, prefix });
    return {
      reachable: true,
      counts: status.counts,
      activeRuns: status.activeRuns.map((run) => ({ ...run, createdAt: run.createdAt.toISOString() })),
      schedules: status.schedules.map((s) => ({
        id: s.id,
        pattern: s.pattern ?? null,
        everyMs: s.everyMs ?? null,
        tz: s.tz ?? null,
        next: isoOrNull(s.next),
      })),
    };
  } finally {
    connection.disconnect();
  }
}

export function redisStatusText(queues: QueuesJson, now = Date.now()): string {
  if (!queues.reachable) return `queues: ${queues.reason}`;
  const counts = textTable(
    ['queue', ...STATUS_STATES],
    Object.entries(queues.counts).map(([queue, byState]) => [
      queue,
      ...STATUS_STATES.map((state) => byState[state]),
    ]),
  );
  const runs =
    queues.activeRuns.length === 0
      ? 'active runs: none'
      : textTable(
          ['active run', 'trigger', 'full refresh', 'streams', 'pending', 'created'],
          queues.activeRuns.map((run) => [
            run.runId,
            run.trigger,
            String(run.fullRefresh),
            run.streams,
            run.pendingStreams,
            ago(run.createdAt, now),
          ]),
        );
  const schedules =
    queues.schedules.length === 0
      ? 'schedules: none (run `sei-sync schedule`)'
      : textTable(
          ['schedule', 'pattern', 'tz', 'next fire'],
          queues.schedules.map((s) => [
            s.id,
            s.pattern ?? `every ${s.everyMs} ms`,
            s.tz ?? 'UTC',
            s.next ?? '',
          ]),
        );
  return [counts, runs, schedules].join('\n\n');
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('last run and freshness per stream, row counts, and (with Redis) queues and schedules')
    .option(JSON_FLAG, JSON_OPTION_HELP)
    .action(
      runAction(async (options: { json?: boolean }) => {
        const { config } = commandContext();
        const { database, streams } = await withWarehouse(config, async (warehouse) => ({
          database: warehouse.location,
          streams: await warehouseStatus(warehouse),
        }));
        const queues = await redisStatus(config);
        const document: StatusDocument = {
          ...documentHead('status', true),
          database,
          scope: scopeJson(config.scope),
          streams,
          queues,
        };
        if (options.json) writeJsonDocument(document);
        else
          process.stdout.write(
            `${warehouseStatusTable(streams)}\n\nscope: ${describeScope(document.scope)}\n\n${redisStatusText(queues)}\n`,
          );
        return exitCodeOf(document);
      }),
    );
}
