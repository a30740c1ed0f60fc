/**
 * `npm run bench [-- --scales 100000,200000,1000000] [--baseline main] [--mix default|jira]
 *  [--page-size 1000] [--out bench/results] [--replay]`
 *
 * Per scale, in one run on one machine: the simulator in its own process on loopback; `sei-sync sync`
 * (the real CLI, a child process) into a fresh PostgreSQL database, its time and peak RSS; the limit
 * it is measured against, a plain binary COPY of everything it wrote (`sei` and `sei_history`, indexes
 * included, ./lib/copy-everything.ts); an incremental re-run with no changes (its time and the rows it
 * wrote, which must be 0). With `--baseline <git ref>` the CLI of that commit does the same beside
 * it (built from `git archive`, ./lib/baseline.ts), so old and new are compared in the same run. The
 * limits of earlier reports are kept: fetch-only, and COPY into staging tables + the old md5 merge.
 * Results go to bench/results/ as JSON and markdown, rewritten after each sync (./lib/results-so-far.ts):
 * a failed run leaves the rows before it and a line saying why, and the bench exits 1.
 * `BENCH_FAIL_AFTER_ROWS=n` fails the sync after the first n, to see that.
 *
 * Every sync is also measured in CPU seconds, its own (process.cpuUsage at exit) and PostgreSQL's (the
 * backends of its database, ./lib/pg-cpu.ts), per 1,000 records: far steadier than wall time on a
 * shared machine. The load average at each sync's start is in the table, marked when above the cores.
 *
 * `--replay`: SEI is a replay server in this process serving pages rendered once (./lib/replay-data.ts,
 * captured from the simulator before any timing and cached on disk), so SEI costs next to no CPU and
 * the figures are the sync's own. A request the capture does not hold (work stealing's splits depend on
 * timing) is forwarded to the simulator that made it (./lib/replay-with-fallback.ts); how many were,
 * and that process's CPU (SEI's, not the sync's), is said under the table. The fetch-only and COPY + md5 merge limits and the incremental re-run
 * are left out there (a re-run asks windows that were never captured); the simulator mode keeps them.
 *
 * `npm run bench -- --rate-limited [--records 20000]` runs only the 429 scenario instead
 * (./lib/rate-limited.ts): the same sync fault-free and with 3% 429s, and their ratio.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { qualified } from '../src/state/sql-text.js';
import { STREAMS } from '../src/streams/registry.js';
import { STREAM_NAMES, type StreamName } from '../src/streams/types.js';
import { type BaselineCli, buildBaselineCli } from './lib/baseline.js';
import { buildCli } from './lib/build.js';
import { runCli } from './lib/cli-process.js';
import { type CopyEverythingResult, copyEverything } from './lib/copy-everything.js';
import { adminDatabaseUrl, connect, createScratchDatabase } from './lib/database.js';
import { copyLoad, fetchOnly } from './lib/limits.js';
import { BUSY_NOTE, envSettings, loadCell, loadNow, machineDescription } from './lib/machine.js';
import { watchDatabaseCpu } from './lib/pg-cpu.js';
import { benchRateLimited, type RateLimitedRun, rateLimitedReport } from './lib/rate-limited.js';
import {
  type FallbackUsage,
  fallbackNote,
  fallbackSince,
  startBenchReplay,
} from './lib/replay-with-fallback.js';
import { type Rendered, ResultsSoFar } from './lib/results-so-far.js';
import {
  BENCH_FIXED_ENDPOINTS,
  BENCH_REQUESTS_PER_MINUTE,
  BENCH_SEED,
  MIXES,
  type MixName,
  streamSizesFor,
} from './lib/scenario-data.js';
import { startSimulatorProcess } from './lib/sim-process.js';
import { markdownTable } from './lib/table.js';

const DEFAULT_SCALES = [100_000, 200_000, 1_000_000];
/** A sync of 1M records must finish well within this; anything slower is a failure, not a result. */
const SYNC_TIMEOUT_MS = 30 * 60_000;

const { values } = parseArgs({
  options: {
    scales: { type: 'string' },
    'page-size': { type: 'string', default: process.env.SEI_PAGE_SIZE ?? '1000' },
    out: { type: 'string', default: 'bench/results' },
    'cpu-prof': { type: 'string' },
    baseline: { type: 'string' },
    mix: { type: 'string', default: 'default' },
    'rate-limited': { type: 'boolean', default: false },
    records: { type: 'string', default: '20000' },
    replay: { type: 'boolean', default: false },
    /** With --replay: syncs per code, the codes' order alternating from round to round. */
    rounds: { type: 'string', default: '1' },
    /** Node flags for this tree's CLI (space-separated), e.g. a V8 heap setting against the baseline. */
    'node-flags': { type: 'string' },
    /** `NAME=value` for this tree's CLI only (repeatable), e.g. a setting against the baseline. */
    env: { type: 'string', multiple: true },
  },
});
const scales = (values.scales ?? process.env.BENCH_SCALES)?.split(',').map(Number) ?? DEFAULT_SCALES;
if (scales.some((n) => !Number.isInteger(n) || n < 100)) throw new Error('--scales: integers >= 100');
const pageSize = values['page-size']!;
if (!(values.mix! in MIXES)) throw new Error(`--mix: one of ${Object.keys(MIXES).join(', ')}`);
const mix = values.mix as MixName;
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds: an integer >= 1');
if (rounds > 1 && !values.replay) throw new Error('--rounds: with --replay only');

/** One CLI measured: this tree, or the baseline commit. */
interface Code {
  label: string;
  cliPath: string;
  cpuProf: boolean;
  nodeFlags: string[];
  /** Settings for this CLI only. */
  env: Record<string, string>;
}

export interface SyncResult {
  code: string;
  seconds: number;
  recordsPerSecond: number;
  peakRssMiB: number;
  records: number;
  exact: boolean;
  /** CPU seconds of the sync process (user + system), and per 1,000 records. */
  syncCpuSeconds: number | undefined;
  syncCpuPer1k: number | undefined;
  /** CPU seconds of the PostgreSQL backends of the sync's database, and per 1,000 records. */
  pgCpuSeconds: number;
  pgCpuPer1k: number;
  copyEverything: CopyEverythingResult;
  ratioToCopyEverything: number;
  /** The ratio earlier reports gave: sync time over the larger of fetch-only and COPY + md5 merge. */
  ratioToLargerLimit: number | undefined;
  /** Left out on the replay server. */
  rerun:
    | { seconds: number; rowsWrittenLedger: number; rowsWrittenPgStat: number; peakRssMiB: number }
    | undefined;
  /** Load average (1 min) when the sync started: a busy machine shows here. */
  loadAtStart: number;
  /** On the replay: the requests the capture did not hold, answered by the simulator, and its CPU. */
  fallback?: FallbackUsage;
}

export interface ScaleResult {
  records: number;
  streamSizes: Partial<Record<StreamName, number>>;
  pageSize: number;
  /** Where the pages came from. */
  source: 'simulator' | 'replay';
  /** The earlier limits, measured against the simulator only. */
  fetchOnly: { seconds: number; recordsPerSecond: number; requests: number } | undefined;
  copyMerge:
    | { seconds: number; recordsPerSecond: number; copySeconds: number; mergeSeconds: number }
    | undefined;
  syncs: SyncResult[];
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

async function ledgerWrites(url: string): Promise<number> {
  const client = await connect(url);
  try {
    const result = await client.query<{ n: string }>(
      `SELECT coalesce(sum(inserted + updated + deleted), 0) AS n FROM sei_sync.stream_runs
       WHERE run_id = (SELECT id FROM sei_sync.runs ORDER BY started_at DESC LIMIT 1)`,
    );
    return Number(result.rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** How many records SEI holds in a stream. */
type SourceCount = (stream: StreamName) => Promise<number>;

/** Live rows per stream against SEI's counts, and the ledger's records against the rows. */
async function countSynced(
  url: string,
  sourceCount: SourceCount,
): Promise<{ synced: number; exact: boolean }> {
  const client = await connect(url);
  let synced = 0;
  let exact = true;
  try {
    for (const stream of STREAM_NAMES) {
      const table = STREAMS[stream].table;
      const count = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${qualified(table.schema, table.name)} WHERE deleted_at IS NULL`,
      );
      synced += count.rows[0]!.n;
      const want = await sourceCount(stream);
      // Incremental streams leave out records without a cursor value (CI/CD runs still running).
      const got = count.rows[0]!.n;
      if ((STREAMS[stream].mode === 'full_refresh' && got !== want) || got > want) {
        exact = false;
        process.stderr.write(`  not exact: ${stream} has ${got} rows, SEI ${want} records\n`);
      }
    }
    const runs = await client.query<{ records: string }>(
      `SELECT sum(records) AS records FROM sei_sync.stream_runs`,
    );
    if (Number(runs.rows[0]!.records) !== synced) {
      exact = false;
      process.stderr.write(
        `  not exact: the ledger counts ${runs.rows[0]!.records} records, the tables ${synced}\n`,
      );
    }
  } finally {
    await client.end();
  }
  return { synced, exact };
}

async function migrateWith(code: Code, url: string, env: Record<string, string>): Promise<void> {
  const result = await runCli({
    args: ['migrate'],
    cliPath: code.cliPath,
    env: { ...env, DATABASE_URL: url },
    timeoutMs: 120_000,
  });
  if (result.code !== 0) throw new Error(`${code.label}: migrate failed\n${result.stderr.slice(-2000)}`);
}

async function measureSync(
  code: Code,
  records: number,
  sourceCount: SourceCount,
  env: Record<string, string>,
): Promise<SyncResult> {
  const syncDb = await createScratchDatabase('sei_bench_sync');
  const copyDb = await createScratchDatabase('sei_bench_copy');
  try {
    await migrateWith(code, syncDb.url, env);
    process.stderr.write(`  ${records}: ${code.label}: sei-sync sync...\n`);
    const loadAtStart = loadNow();
    const pgCpu = await watchDatabaseCpu(adminDatabaseUrl(), syncDb.name);
    const sync = await runCli({
      args: ['sync'],
      cliPath: code.cliPath,
      env: { ...env, ...code.env, DATABASE_URL: syncDb.url },
      timeoutMs: SYNC_TIMEOUT_MS,
      nodeFlags: [
        ...code.nodeFlags,
        ...(code.cpuProf && values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : []),
      ],
    });
    const pgCpuSeconds = await pgCpu.stop();
    if (sync.code !== 0)
      throw new Error(
        `${code.label}: sync failed (${sync.code ?? sync.signal})\n${sync.stderr.slice(-2000)}`,
      );
    const { synced, exact } = await countSynced(syncDb.url, sourceCount);

    let rerun: SyncResult['rerun'];
    if (!values.replay) {
      process.stderr.write(`  ${records}: ${code.label}: incremental re-run...\n`);
      const writesBefore = await tupleWrites(syncDb.url);
      const again = await runCli({
        args: ['sync'],
        cliPath: code.cliPath,
        env: { ...env, DATABASE_URL: syncDb.url },
        timeoutMs: SYNC_TIMEOUT_MS,
      });
      if (again.code !== 0) throw new Error(`${code.label}: re-run failed\n${again.stderr.slice(-2000)}`);
      const writesAfter = await tupleWrites(syncDb.url);
      rerun = {
        seconds: again.ms / 1000,
        rowsWrittenLedger: await ledgerWrites(syncDb.url),
        rowsWrittenPgStat: writesAfter - writesBefore,
        peakRssMiB: again.peakRssMiB,
      };
    }

    process.stderr.write(`  ${records}: ${code.label}: COPY of everything written...\n`);
    await migrateWith(code, copyDb.url, env);
    const copied = await copyEverything(syncDb.url, copyDb.url);
    const seconds = sync.ms / 1000;
    return {
      code: code.label,
      seconds,
      recordsPerSecond: Math.round(synced / seconds),
      peakRssMiB: sync.peakRssMiB,
      records: synced,
      exact,
      syncCpuSeconds: sync.cpuSeconds,
      syncCpuPer1k: sync.cpuSeconds === undefined ? undefined : (1000 * sync.cpuSeconds) / synced,
      pgCpuSeconds,
      pgCpuPer1k: (1000 * pgCpuSeconds) / synced,
      copyEverything: copied,
      ratioToCopyEverything: seconds / copied.seconds,
      rerun,
      ratioToLargerLimit: undefined,
      loadAtStart,
    };
  } finally {
    await syncDb.drop();
    await copyDb.drop();
  }
}

/** A scale's entry in the results, its syncs added as they are measured. */
function startScale(records: number, source: ScaleResult['source']): ScaleResult {
  const scale: ScaleResult = {
    records,
    streamSizes: streamSizesFor(records, mix),
    pageSize: Number(pageSize),
    source,
    fetchOnly: undefined,
    copyMerge: undefined,
    syncs: [],
  };
  results.push(scale);
  return scale;
}

/** One code's sync, a row of the table as soon as it is measured. */
async function syncRow(scale: ScaleResult, records: number, code: Code, measure: () => Promise<SyncResult>) {
  await progress.row(`${records} records, ${code.label}`, async () => {
    const sync = await measure();
    // The records synced, not the scale asked for (as the table's rows say).
    if (scale.syncs.length === 0) scale.records = sync.records;
    scale.syncs.push(sync);
  });
}

/** Every code's sync against pages served from memory (./lib/replay-data.ts). */
async function benchScaleOnReplay(records: number, codes: readonly Code[]): Promise<void> {
  const sei = await progress.step(`${records} records: pages for the replay`, () => {
    process.stderr.write(`  ${records}: pages for the replay (captured once, then cached)...\n`);
    return startBenchReplay({ records, mix, pageSize });
  });
  const { data, replay } = sei;
  const scale = startScale(records, 'replay');
  try {
    const env = {
      ...sei.env,
      SEI_PAGE_SIZE: pageSize,
      SEI_REQUESTS_PER_MINUTE: BENCH_REQUESTS_PER_MINUTE,
      LOG_LEVEL: 'warn',
    };
    for (let round = 0; round < rounds; round++) {
      // Alternating the order, so that neither code always meets the machine's weather first.
      for (const code of round % 2 === 0 ? codes : [...codes].reverse())
        await syncRow(scale, records, code, async () => {
          const before = sei.fallbackUsage();
          const sync = await measureSync(code, records, async (s) => data.counts[s], env);
          if (replay.misses.length > 0)
            throw new Error(
              `${code.label}: the sync sent ${replay.misses.length} requests the capture does not hold (first: ${replay.misses[0]!.hint})`,
            );
          return { ...sync, fallback: fallbackSince(before, sei.fallbackUsage()) };
        });
    }
  } finally {
    await sei.close();
  }
}

async function benchScale(records: number, codes: readonly Code[]): Promise<void> {
  const streamSizes = streamSizesFor(records, mix);
  const sim = await startSimulatorProcess({
    records: 0,
    streamSizes,
    seed: BENCH_SEED,
    requestLogLimit: 1000,
    fixedEndpoints: BENCH_FIXED_ENDPOINTS,
  });
  const scale = startScale(records, 'simulator');
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

    const fetched = await progress.step(`${records} records: fetch-only walk`, () => {
      process.stderr.write(`  ${records}: fetch-only walk...\n`);
      return fetchOnly(config, streams);
    });
    scale.fetchOnly = {
      seconds: fetched.ms / 1000,
      recordsPerSecond: Math.round(fetched.records / (fetched.ms / 1000)),
      requests: fetched.requests,
    };
    for (const code of codes)
      await syncRow(scale, records, code, () => measureSync(code, records, (s) => sim.count(s), env));

    await progress.step(`${records} records: COPY + md5 merge`, async () => {
      process.stderr.write(`  ${records}: COPY + md5 merge (the earlier limit)...\n`);
      const copyDb = await createScratchDatabase('sei_bench_copymerge');
      try {
        await migrateWith(codes[0]!, copyDb.url, env);
        const copyClient = await connect(copyDb.url);
        try {
          const copied = await copyLoad(
            copyClient,
            { seed: BENCH_SEED, streamSizes },
            streams,
            crypto.randomUUID(),
          );
          scale.copyMerge = {
            seconds: copied.ms / 1000,
            recordsPerSecond: Math.round(copied.rows / (copied.ms / 1000)),
            copySeconds: copied.copyMs / 1000,
            mergeSeconds: copied.mergeMs / 1000,
          };
          const larger = Math.max(fetched.ms, copied.ms) / 1000;
          for (const sync of scale.syncs) sync.ratioToLargerLimit = sync.seconds / larger;
        } finally {
          await copyClient.end();
        }
      } finally {
        await copyDb.drop();
      }
    });
  } finally {
    await sim.close();
  }
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const maybe = (n: number | undefined, digits = 1) => (n === undefined ? '-' : n.toFixed(digits));

export function resultsTable(results: readonly ScaleResult[]): string {
  return markdownTable(
    [
      'records',
      'code',
      'sync s',
      'sync rec/s',
      'sync CPU s',
      'sync CPU s / 1k rec',
      'PG CPU s',
      'PG CPU s / 1k rec',
      'load at start',
      'COPY of everything written s',
      'sync / COPY of everything',
      'fetch-only s',
      'COPY+merge s',
      'sync / larger limit (old)',
      'peak RSS MiB',
      're-run s',
      're-run rows written',
      'exact',
    ],
    results.flatMap((r) =>
      r.syncs.map((sync) => [
        String(sync.records),
        sync.code,
        fmt(sync.seconds),
        String(sync.recordsPerSecond),
        maybe(sync.syncCpuSeconds),
        maybe(sync.syncCpuPer1k, 3),
        fmt(sync.pgCpuSeconds),
        fmt(sync.pgCpuPer1k, 3),
        loadCell(sync.loadAtStart),
        fmt(sync.copyEverything.seconds),
        fmt(sync.ratioToCopyEverything, 2),
        maybe(r.fetchOnly?.seconds),
        maybe(r.copyMerge?.seconds),
        maybe(sync.ratioToLargerLimit, 2),
        String(sync.peakRssMiB),
        maybe(sync.rerun?.seconds),
        sync.rerun ? `${sync.rerun.rowsWrittenLedger} (pg_stat ${sync.rerun.rowsWrittenPgStat})` : '-',
        sync.exact ? 'yes' : 'NO',
      ]),
    ),
  );
}

const machine = machineDescription();
if (values['rate-limited']) {
  const records = Number(values.records);
  if (!Number.isInteger(records) || records < 100) throw new Error('--records: an integer >= 100');
  process.stderr.write(`bench: 429 scenario, ${records} Jira issues, page size ${pageSize}, ${machine}\n`);
  const command = `npm run bench -- --rate-limited --records ${records} --page-size ${pageSize}`;
  const runs: RateLimitedRun[] = [];
  const rateLimitedResults = new ResultsSoFar({
    path: `${values.out}/bench-429-${records}-p${pageSize}`,
    render: () => {
      const stamp = new Date().toISOString();
      const { markdown, ratio } = rateLimitedReport(runs);
      return {
        markdown: `# sei-sync 429 benchmark, ${stamp}\n\nMachine: ${machine}; PostgreSQL local.\nCommand: \`${command}\`\n\n${markdown}`,
        json: { at: stamp, machine, command, runs, ratio },
      };
    },
  });
  await rateLimitedResults.complete(() =>
    benchRateLimited({ records, pageSize, cliPath: buildCli() }, runs, rateLimitedResults),
  );
  process.exit(0);
}
process.stderr.write(`bench: scales ${scales.join(', ')}, page size ${pageSize}, mix ${mix}, ${machine}\n`);
const thisTreeFlags = values['node-flags']?.split(' ').filter(Boolean) ?? [];
const thisTreeEnv = envSettings(values.env);
const tweaks = [...thisTreeFlags, ...(values.env ?? [])];
const codes: Code[] = [
  {
    label: tweaks.length > 0 ? `this tree ${tweaks.join(' ')}` : 'this tree',
    cliPath: buildCli(),
    cpuProf: true,
    nodeFlags: thisTreeFlags,
    env: thisTreeEnv,
  },
];
let baseline: BaselineCli | undefined;
if (values.baseline !== undefined) {
  baseline = buildBaselineCli(values.baseline);
  codes.push({
    label: `baseline ${baseline.commit}`,
    cliPath: baseline.cliPath,
    cpuProf: false,
    nodeFlags: [],
    env: {},
  });
}
const share = Object.entries(MIXES[mix])
  .map(([stream, part]) => `${part * 100}% ${stream}`)
  .join(', ');
const command = `npm run bench -- --scales ${scales.join(',')} --page-size ${pageSize} --mix ${mix}${values.baseline ? ` --baseline ${values.baseline}` : ''}${values.replay ? ' --replay' : ''}${rounds > 1 ? ` --rounds ${rounds}` : ''}${thisTreeFlags.length > 0 ? ` --node-flags='${thisTreeFlags.join(' ')}'` : ''}${(values.env ?? []).map((setting) => ` --env ${setting}`).join('')}`;
const source = values.replay
  ? 'SEI: replay server (pages rendered once, served from memory, no latency; what it does not hold, the simulator answers)'
  : 'SEI: the simulator in its own process';
const median = (xs: number[]): number | undefined => {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length === 0
    ? undefined
    : Number.isInteger(middle)
      ? (sorted[middle - 1]! + sorted[middle]!) / 2
      : sorted[Math.floor(middle)];
};

/** The whole report from the syncs measured so far. */
function render(): Rendered {
  const stamp = new Date().toISOString();
  const table = resultsTable(results);
  const loads = results.flatMap((r) => r.syncs.map((s) => loadCell(s.loadAtStart))).join(', ');
  /** Per scale and code, the median CPU per 1,000 records over the rounds (the figure to compare). */
  const medians =
    rounds > 1
      ? `\nMedians over ${rounds} rounds (CPU s per 1,000 records, sync / PostgreSQL):\n\n${results
          .flatMap((r) =>
            codes.map((code) => {
              const runs = r.syncs.filter((sync) => sync.code === code.label);
              const syncCpu = median(
                runs.flatMap((sync) => (sync.syncCpuPer1k === undefined ? [] : [sync.syncCpuPer1k])),
              );
              return `- ${r.records} records, ${code.label}: ${maybe(syncCpu, 3)} / ${maybe(median(runs.map((sync) => sync.pgCpuPer1k)), 3)}`;
            }),
          )
          .join('\n')}\n`
      : '';
  const fallbackLines = results.flatMap((r) =>
    r.syncs.flatMap((sync) =>
      sync.fallback === undefined
        ? []
        : [`- ${fallbackNote(`${r.records} records, ${sync.code}`, sync.fallback)}`],
    ),
  );
  const fallbacks =
    fallbackLines.length > 0 ? `\nReplay fallback, per sync:\n\n${fallbackLines.join('\n')}\n` : '';
  return {
    markdown: `# sei-sync benchmark, ${stamp}\n\nMachine: ${machine}; PostgreSQL local. ${source}.\nCommand: \`${command}\`\nRecords: ${share} (plus the small streams at their defaults).\nLoad average (1 min) at the start of each sync: ${loads} (${BUSY_NOTE}).\n\n${table}\n${medians}${fallbacks}`,
    json: { at: stamp, machine, command, pageSize: Number(pageSize), mix: MIXES[mix], results },
  };
}

const results: ScaleResult[] = [];
const name = `bench-${scales.join('-')}-p${pageSize}${mix === 'default' ? '' : `-${mix}`}${values.replay ? '-replay' : ''}${baseline ? `-vs-${baseline.commit}` : ''}`;
const progress = new ResultsSoFar({ path: `${values.out}/${name}`, render });
await progress.complete(async () => {
  for (const records of scales) await (values.replay ? benchScaleOnReplay : benchScale)(records, codes);
});
