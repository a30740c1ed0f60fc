/**
 * `npm run bench [-- --scales 50000,200000,1000000] [--page-size 1000] [--out bench/results]`
 *
 * Per scale, in one run on one machine: the simulator in its own process on loopback; `sei-sync sync`
 * (the real CLI, a child process) into a fresh PostgreSQL database, its time and peak RSS; the fetch-only
 * and database-only (COPY + merge) limits on the same data; an incremental re-run with no changes (its
 * time and the rows it wrote, which must be 0). Results go to bench/results/ as JSON and markdown.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { Secret } from '../src/secret.js';
import { STREAMS } from '../src/streams/registry.js';
import { STREAM_NAMES, type StreamName } from '../src/streams/types.js';
import { openWarehouse } from '../src/warehouse/db.js';
import { migrateToLatest } from '../src/warehouse/migrate.js';
import { qualified } from '../src/warehouse/sql-text.js';
import { buildCli } from './lib/build.js';
import { runCli } from './lib/cli-process.js';
import { connect, createScratchDatabase } from './lib/database.js';
import { copyLoad, fetchOnly } from './lib/limits.js';
import { BENCH_REQUESTS_PER_MINUTE, BENCH_SEED, MIX, streamSizesFor } from './lib/scenario-data.js';
import { startSimulatorProcess } from './lib/sim-process.js';
import { markdownTable } from './lib/table.js';

const DEFAULT_SCALES = [50_000, 200_000, 1_000_000];
/** A sync of 1M records must finish well within this; anything slower is a failure, not a result. */
const SYNC_TIMEOUT_MS = 30 * 60_000;

const { values } = parseArgs({
  options: {
    scales: { type: 'string' },
    'page-size': { type: 'string', default: process.env.SEI_PAGE_SIZE ?? '1000' },
    out: { type: 'string', default: 'bench/results' },
    'cpu-prof': { type: 'string' },
    history: { type: 'string', default: 'on' },
  },
});
const scales = (values.scales ?? process.env.BENCH_SCALES)?.split(',').map(Number) ?? DEFAULT_SCALES;
if (scales.some((n) => !Number.isInteger(n) || n < 100)) throw new Error('--scales: integers >= 100');
const pageSize = values['page-size']!;

export interface ScaleResult {
  records: number;
  streamSizes: Partial<Record<StreamName, number>>;
  pageSize: number;
  sync: { seconds: number; recordsPerSecond: number; peakRssMiB: number; records: number };
  fetchOnly: { seconds: number; recordsPerSecond: number; requests: number };
  copyMerge: { seconds: number; recordsPerSecond: number; copySeconds: number; mergeSeconds: number };
  ratioToLargerLimit: number;
  rerun: { seconds: number; rowsWrittenLedger: number; rowsWrittenPgStat: number; peakRssMiB: number };
  exact: boolean;
}

async function tupleWrites(url: string): Promise<number> {
  const client = await connect(url);
  try {
    // Statistics reach pg_stat_user_tables asynchronously (at most ~1 s later in PostgreSQL 15).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const result = await client.query<{ n: string }>(
      `SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) AS n FROM pg_stat_user_tables
       WHERE schemaname IN ('sei', 'sei_history')`,
    );
    return Number(result.rows[0]!.n);
  } finally {
    await client.end();
  }
}

async function migrate(url: string) {
  const warehouse = await openWarehouse({ databaseUrl: new Secret(url) });
  try {
    await migrateToLatest(warehouse);
  } finally {
    await warehouse.close();
  }
}

async function benchScale(records: number): Promise<ScaleResult> {
  const streamSizes = streamSizesFor(records);
  const sim = await startSimulatorProcess({
    records: 0,
    streamSizes,
    seed: BENCH_SEED,
    requestLogLimit: 1000,
  });
  const syncDb = await createScratchDatabase('sei_bench_sync');
  const copyDb = await createScratchDatabase('sei_bench_copy');
  try {
    const env = {
      SEI_BASE_URL: sim.url,
      SEI_API_KEY: sim.adminKey,
      SEI_PAGE_SIZE: pageSize,
      SEI_REQUESTS_PER_MINUTE: BENCH_REQUESTS_PER_MINUTE,
      LOG_LEVEL: 'warn',
    };
    const config = loadConfig(env);
    const streams = [...STREAM_NAMES];
    // Warm-up: the first page of a stream sorts it once in the simulator; no measured walk should pay it.
    await fetchOnly(loadConfig({ ...env, SEI_MAX_PAGES: '1' }), streams).catch(() => undefined);

    process.stderr.write(`  ${records}: fetch-only walk...\n`);
    const fetched = await fetchOnly(config, streams);

    process.stderr.write(`  ${records}: sei-sync sync...\n`);
    await migrate(syncDb.url);
    const sync = await runCli({
      args: ['sync'],
      cliPath,
      env: { ...env, DATABASE_URL: syncDb.url },
      timeoutMs: SYNC_TIMEOUT_MS,
      ...(values['cpu-prof'] && { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] }),
    });
    if (sync.code !== 0)
      throw new Error(`sync failed (${sync.code ?? sync.signal}): ${sync.stderr.slice(-2000)}`);
    const client = await connect(syncDb.url);
    let synced = 0;
    let exact = true;
    try {
      for (const stream of streams) {
        const table = STREAMS[stream].table;
        const count = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${qualified(table.schema, table.name)} WHERE deleted_at IS NULL`,
        );
        synced += count.rows[0]!.n;
        const want = await sim.count(stream);
        // Incremental streams leave out records without a cursor value (CI/CD runs still running).
        if (STREAMS[stream].mode === 'full_refresh' && count.rows[0]!.n !== want) exact = false;
        if (count.rows[0]!.n > want) exact = false;
      }
      const runs = await client.query<{ records: string }>(
        `SELECT sum(records) AS records FROM sei_sync.stream_runs`,
      );
      if (Number(runs.rows[0]!.records) !== synced) exact = false;
    } finally {
      await client.end();
    }

    process.stderr.write(`  ${records}: incremental re-run...\n`);
    const writesBefore = await tupleWrites(syncDb.url);
    const rerun = await runCli({
      args: ['sync'],
      cliPath,
      env: { ...env, DATABASE_URL: syncDb.url },
      timeoutMs: SYNC_TIMEOUT_MS,
    });
    if (rerun.code !== 0) throw new Error(`re-run failed: ${rerun.stderr.slice(-2000)}`);
    const writesAfter = await tupleWrites(syncDb.url);
    const ledgerClient = await connect(syncDb.url);
    let ledgerWrites = 0;
    try {
      const result = await ledgerClient.query<{ n: string }>(
        `SELECT coalesce(sum(inserted + updated + deleted), 0) AS n FROM sei_sync.stream_runs
         WHERE run_id = (SELECT id FROM sei_sync.runs ORDER BY started_at DESC LIMIT 1)`,
      );
      ledgerWrites = Number(result.rows[0]!.n);
    } finally {
      await ledgerClient.end();
    }

    process.stderr.write(`  ${records}: COPY + merge...\n`);
    await migrate(copyDb.url);
    const copyClient = await connect(copyDb.url);
    let copied: Awaited<ReturnType<typeof copyLoad>>;
    try {
      copied = await copyLoad(copyClient, { seed: BENCH_SEED, streamSizes }, streams, crypto.randomUUID());
    } finally {
      await copyClient.end();
    }

    const syncSeconds = sync.ms / 1000;
    const larger = Math.max(fetched.ms, copied.ms) / 1000;
    return {
      records: synced,
      streamSizes,
      pageSize: Number(pageSize),
      sync: {
        seconds: syncSeconds,
        recordsPerSecond: Math.round(synced / syncSeconds),
        peakRssMiB: sync.peakRssMiB,
        records: synced,
      },
      fetchOnly: {
        seconds: fetched.ms / 1000,
        recordsPerSecond: Math.round(fetched.records / (fetched.ms / 1000)),
        requests: fetched.requests,
      },
      copyMerge: {
        seconds: copied.ms / 1000,
        recordsPerSecond: Math.round(copied.rows / (copied.ms / 1000)),
        copySeconds: copied.copyMs / 1000,
        mergeSeconds: copied.mergeMs / 1000,
      },
      ratioToLargerLimit: syncSeconds / larger,
      rerun: {
        seconds: rerun.ms / 1000,
        rowsWrittenLedger: ledgerWrites,
        rowsWrittenPgStat: writesAfter - writesBefore,
        peakRssMiB: rerun.peakRssMiB,
      },
      exact,
    };
  } finally {
    await sim.close();
    await syncDb.drop();
    await copyDb.drop();
  }
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

export function resultsTable(results: readonly ScaleResult[]): string {
  return markdownTable(
    [
      'records',
      'sync s',
      'sync rec/s',
      'fetch-only s',
      'COPY+merge s',
      'sync / larger limit',
      'peak RSS MiB',
      're-run s',
      're-run rows written',
      'exact',
    ],
    results.map((r) => [
      String(r.records),
      fmt(r.sync.seconds),
      String(r.sync.recordsPerSecond),
      fmt(r.fetchOnly.seconds),
      fmt(r.copyMerge.seconds),
      fmt(r.ratioToLargerLimit, 2),
      String(r.sync.peakRssMiB),
      fmt(r.rerun.seconds),
      `${r.rerun.rowsWrittenLedger} (pg_stat ${r.rerun.rowsWrittenPgStat})`,
      r.exact ? 'yes' : 'NO',
    ]),
  );
}

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
process.stderr.write(`bench: scales ${scales.join(', ')}, page size ${pageSize}, ${machine}\n`);
const cliPath = buildCli();
const results: ScaleResult[] = [];
for (const records of scales) results.push(await benchScale(records));
const table = resultsTable(results);
const stamp = new Date().toISOString();
const mix = Object.entries(MIX)
  .map(([stream, share]) => `${share * 100}% ${stream}`)
  .join(', ');
const markdown = `# sei-sync benchmark, ${stamp}\n\nMachine: ${machine}; PostgreSQL local.\nCommand: \`npm run bench -- --scales ${scales.join(',')} --page-size ${pageSize}\`\nRecords: ${mix} (plus the small streams at their defaults).\n\n${table}\n`;
mkdirSync(values.out!, { recursive: true });
const name = `bench-${scales.join('-')}-p${pageSize}`;
writeFileSync(
  `${values.out}/${name}.json`,
  `${JSON.stringify({ at: stamp, machine, pageSize: Number(pageSize), mix: MIX, results }, null, 2)}\n`,
);
writeFileSync(`${values.out}/${name}.md`, markdown);
process.stdout.write(`${markdown}\n`);
