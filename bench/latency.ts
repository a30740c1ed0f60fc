/**
 * `npm run bench:latency [-- --replay] [--scales 30000,200000,1000000 (0: none)] [--workers 1,3] [--scale-out 200000 (0: none)]
 *  [--timeline] [--env NAME=value] [--baseline <git ref>] [--rounds 1] [--out bench/results]`
 *
 * The walk by time against a loaded tenant: SEI answers a 1,000-record Jira page in about one second
 * (LOADED_TENANT_LATENCY: 300 ms + 0.5 ms per record + 10 ms per 1,000 records skipped) and the key's
 * budget is 1,000 requests a minute. Per scale and number of worker processes (real `sei-sync worker`
 * processes on Redis, a `run-now` of `jira_issues`): the time until the run finishes, records/s, the
 * requests it made, the peak RSS of the largest worker, and the two limits a sync cannot beat: the
 * budget (the fewest pages the records fit in ÷ rate) and the database (a COPY of the same rows,
 * ./lib/limits.ts). The ratio is the sync's time over max(budget, COPY) + one page's latency, the
 * issue's target being ≤ 1.5. Every row also gives the CPU seconds per 1,000 records of the workers and
 * of PostgreSQL (./lib/pg-cpu.ts), and the load average at the run's start, marked busy above the cores.
 *
 * `--replay`: SEI is the replay server in this process (./lib/latency-source.ts): the pages captured
 * once per scale before any timing, served from memory, the same latency model applied by timers. The
 * simulator (the default) generates every page on this machine, competing with the sync for the cores.
 *
 * A second scenario shows scale-out where neither limit binds: a high budget and two slices per worker,
 * so that one worker's concurrency is what limits it; three workers should be about three times faster.
 *
 * `--baseline <ref>`: the CLI of that commit (./lib/baseline.ts) runs each budget row too, just before
 * this tree's, on the same capture (what it asks that the capture does not hold, the simulator
 * answers); `--rounds n` measures each pair n times, alternating, for runs short enough to be noisy.
 *
 * The results files are rewritten after each run (./lib/results-so-far.ts): a failed run leaves the rows
 * before it and a line saying why, and the bench exits 1. `BENCH_FAIL_AFTER_ROWS=n` fails the run after
 * the first n, to see that.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LOADED_TENANT_LATENCY, latencyMs } from '../src/simulator/latency.js';
import { buildBaselineCli } from './lib/baseline.js';
import { buildCli, REPO_ROOT } from './lib/build.js';
import { readHighWaterKiB, runCli } from './lib/cli-process.js';
import { busyPercent, machineCpu, processCpuSeconds } from './lib/cpu.js';
import { adminDatabaseUrl, connect, createScratchDatabase } from './lib/database.js';
import { type LatencySource, type LatencySourceKind, startLatencySource } from './lib/latency-source.js';
import { copyLoad } from './lib/limits.js';
import { BUSY_NOTE, envSettings, loadCell, loadNow, machineDescription } from './lib/machine.js';
import { watchDatabaseCpu } from './lib/pg-cpu.js';
import { replayDataFor } from './lib/replay-data.js';
import { type FallbackUsage, fallbackNote, fallbackSince } from './lib/replay-with-fallback.js';
import { type Rendered, ResultsSoFar } from './lib/results-so-far.js';
import { BENCH_SEED, streamSizesFor } from './lib/scenario-data.js';
import { markdownTable } from './lib/table.js';
import { summarizeTimeline, type TimelineSummary } from './lib/timeline-summary.js';

const { values } = parseArgs({
  options: {
    replay: { type: 'boolean', default: false },
    scales: { type: 'string', default: '30000,200000,1000000' },
    workers: { type: 'string', default: '1,3' },
    out: { type: 'string', default: 'bench/results' },
    /** Records of the scale-out pair; 0 leaves it out. */
    'scale-out': { type: 'string', default: '200000' },
    /** Also write each run's request timeline (ms from the first request, status, path, page, size, records, filter). */
    timeline: { type: 'boolean', default: false },
    /** `NAME=value` for the workers of the budget scenario (repeatable), to compare settings. */
    env: { type: 'string', multiple: true },
    /** A git ref whose CLI runs every budget row beside this tree's. */
    baseline: { type: 'string' },
    /** Times each budget row (and its baseline) is measured. */
    rounds: { type: 'string', default: '1' },
  },
});
const source: LatencySourceKind = values.replay ? 'replay' : 'simulator';
// `--scales 0` leaves the budget scenario out (the scale-out pair alone).
const scales = values
  .scales!.split(',')
  .map(Number)
  .filter((records) => records > 0);
const workerCounts = values.workers!.split(',').map(Number);
const workerEnv = envSettings(values.env);
const PAGE_SIZE = 1000;
const BUDGET_PER_MINUTE = 1000;
const RUN_TIMEOUT_MS = 60 * 60_000;

interface Measurement {
  scenario: string;
  /** Which CLI ran: `this tree`, or `baseline <commit>`. */
  cli: string;
  records: number;
  workers: number;
  seconds: number;
  recordsPerSecond: number;
  requests: number;
  pages: number;
  slices: number;
  budgetSeconds: number;
  copySeconds: number;
  pageLatencySeconds: number;
  ratio: number;
  peakRssMiB: number;
  /** The whole machine's CPU use during the run (all cores), percent. */
  machineBusyPercent: number;
  /** CPU seconds of the workers together, and of SEI (the simulator's process, or this one replaying). */
  workerCpuSeconds: number;
  seiCpuSeconds: number;
  /** CPU seconds of the PostgreSQL backends of the run's database (./lib/pg-cpu.ts). */
  pgCpuSeconds: number;
  /** Load average (1 min) when the workers started. */
  loadAtStart: number;
  exact: boolean;
  /** With --timeline: the plan, the walk and its tail. */
  timeline: TimelineSummary | undefined;
  /** On the replay: the requests the capture did not hold, answered by the simulator, and its CPU. */
  fallback: FallbackUsage | undefined;
}

/** Ops ports of this bench's workers: random, so that benches of other checkouts never answer for them. */
const OPS_PORT_BASE = 20_000 + Math.floor(Math.random() * 20_000);
/** Each worker's ops server (/readyz), by its index. */
const opsPort = (k: number) => OPS_PORT_BASE + k;
/** Longest wait for a worker to be ready. */
const WORKER_READY_TIMEOUT_MS = 120_000;

async function waitUntilReady(port: number): Promise<void> {
  const deadline = Date.now() + WORKER_READY_TIMEOUT_MS;
  for (;;) {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (answer) => answer.ok,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`the worker on ops port ${port} was not ready`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const highWaterMiB = (pid: number | undefined): number =>
  pid === undefined ? 0 : (readHighWaterKiB(pid) ?? 0) / 1024;

async function runWorkers(options: {
  cli: string;
  env: Record<string, string>;
  workers: number;
  databaseUrl: string;
}): Promise<{
  seconds: number;
  /** When run-now was started and when the run was seen finished, ms since epoch (the timeline's clock). */
  startedAtMs: number;
  endedAtMs: number;
  peakRssMiB: number;
  runId: string;
  busyPercent: number;
  workerCpuSeconds: number;
}> {
  const processes: ChildProcess[] = [];
  const peaks: number[] = [];
  const cpuSeconds: number[] = [];
  let logs = '';
  for (let k = 0; k < options.workers; k++) {
    const worker = spawn(process.execPath, [options.cli, 'worker'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...options.env,
        OPS_PORT: String(opsPort(k)),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    worker.stderr?.on('data', (chunk: Buffer) => {
      logs = (logs + chunk.toString()).slice(-10_000);
    });
    processes.push(worker);
    peaks.push(0);
  }
  const sampler = setInterval(() => {
    processes.forEach((worker, k) => {
      peaks[k] = Math.max(peaks[k] ?? 0, highWaterMiB(worker.pid));
      cpuSeconds[k] = Math.max(cpuSeconds[k] ?? 0, processCpuSeconds(worker.pid));
    });
  }, 200);
  try {
    // The clock starts with run-now: every worker started, connected and ready first (on a busy
    // machine a fixed wait left some still loading, their start-up counted as the run's CPU).
    await Promise.all(processes.map((_, k) => waitUntilReady(opsPort(k))));
    const started = performance.now();
    const startedAtMs = Date.now();
    const cpuBefore = machineCpu();
    const workerCpuBefore = processes.map((worker) => processCpuSeconds(worker.pid));
    const runNow = await runCli({
      args: ['run-now', '--streams', 'jira_issues'],
      cliPath: options.cli,
      env: options.env,
      timeoutMs: 60_000,
    });
    if (runNow.code !== 0) throw new Error(`run-now exited ${runNow.code}\n${runNow.stderr}`);
    const runId = runNow.stdout.trim().split('\n').pop()!;
    const client = await connect(options.databaseUrl);
    try {
      const deadline = Date.now() + RUN_TIMEOUT_MS;
      for (;;) {
        const row = await client.query<{ status: string }>('SELECT status FROM sei_sync.runs WHERE id = $1', [
          runId,
        ]);
        const status = row.rows[0]?.status;
        if (status && status !== 'running') {
          if (status !== 'succeeded') throw new Error(`run ${status}\n${logs.slice(-2000)}`);
          break;
        }
        if (Date.now() > deadline) throw new Error(`run did not finish\n${logs.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await client.end();
    }
    const seconds = (performance.now() - started) / 1000;
    const busy = busyPercent(cpuBefore, machineCpu());
    const workerCpuSeconds = processes.reduce(
      (sum, worker, k) => sum + processCpuSeconds(worker.pid) - (workerCpuBefore[k] ?? 0),
      0,
    );
    return {
      seconds,
      startedAtMs,
      endedAtMs: Date.now(),
      peakRssMiB: Math.max(...peaks),
      runId,
      busyPercent: busy,
      workerCpuSeconds,
    };
  } finally {
    clearInterval(sampler);
    for (const worker of processes) worker.kill('SIGTERM');
    await Promise.all(processes.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
  }
}

async function measure(options: {
  cli: string;
  cliLabel: string;
  scenario: string;
  records: number;
  workers: number;
  budgetPerMinute: number;
  extraEnv?: Record<string, string>;
  copySeconds: number;
}): Promise<Measurement> {
  const sei = await startLatencySource(source, options.records, PAGE_SIZE);
  const db = await createScratchDatabase('sei_bench_latency');
  try {
    const env = {
      ...sei.env,
      SEI_PAGE_SIZE: String(PAGE_SIZE),
      SEI_REQUESTS_PER_MINUTE: String(options.budgetPerMinute),
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      BULLMQ_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
      SCHEDULE_FULL_CRON: 'off',
      SCHEDULE_INCREMENTAL_CRON: 'off',
      LOG_LEVEL: 'warn',
      ...options.extraEnv,
    };
    const migrated = await runCli({ args: ['migrate'], cliPath: options.cli, env, timeoutMs: 120_000 });
    if (migrated.code !== 0) throw new Error(`migrate failed\n${migrated.stderr}`);
    process.stderr.write(`  ${options.scenario} ${options.records} × ${options.workers} worker(s)...\n`);
    const seiCpuBefore = sei.cpuSeconds();
    const fallbackBefore = sei.fallbackUsage();
    const loadAtStart = loadNow();
    const pgCpu = await watchDatabaseCpu(adminDatabaseUrl(), db.name);
    const run = await runWorkers({ cli: options.cli, env, workers: options.workers, databaseUrl: db.url });
    const pgCpuSeconds = await pgCpu.stop();
    const seiCpuSeconds = sei.cpuSeconds() - seiCpuBefore;
    const fallbackAfter = sei.fallbackUsage();
    const fallback =
      fallbackBefore && fallbackAfter ? fallbackSince(fallbackBefore, fallbackAfter) : undefined;
    sei.assertAllServed();
    const client = await connect(db.url);
    let requests = 0;
    let pages = 0;
    let slices = 0;
    let rows = 0;
    try {
      const ledger = await client.query<{ requests: number; pages: number; slices: number }>(
        `SELECT requests, pages, slices FROM sei_sync.stream_runs WHERE run_id = $1 AND stream = 'jira_issues'`,
        [run.runId],
      );
      requests = Number(ledger.rows[0]?.requests ?? 0);
      pages = Number(ledger.rows[0]?.pages ?? 0);
      slices = Number(ledger.rows[0]?.slices ?? 0);
      rows = Number((await client.query('SELECT count(*) AS n FROM sei.jira_issues')).rows[0].n);
    } finally {
      await client.end();
    }
    const timeline = !values.timeline
      ? undefined
      : await writeTimeline(
          sei,
          run,
          `${options.scenario.startsWith('scale-out') ? 'scale-out' : 'budget'}-${options.records}-${options.workers}w${source === 'replay' ? '-replay' : ''}${options.cliLabel === THIS_TREE ? '' : `-${options.cliLabel.replace(/\s+/g, '-')}`}${rounds > 1 ? `-r${round}` : ''}`,
        );
    // The budget's limit is the pages the records need at the least, not the requests this walk made:
    // counts, boundary re-reads and the tail are the walk's own cost, so they count against it.
    const budgetSeconds = Math.ceil(options.records / PAGE_SIZE) / (options.budgetPerMinute / 60);
    const pageLatencySeconds = latencyMs(LOADED_TENANT_LATENCY, PAGE_SIZE, 0) / 1000;
    return {
      scenario: options.scenario,
      cli: options.cliLabel,
      records: options.records,
      workers: options.workers,
      seconds: run.seconds,
      recordsPerSecond: Math.round(options.records / run.seconds),
      requests,
      pages,
      slices,
      budgetSeconds,
      copySeconds: options.copySeconds,
      pageLatencySeconds,
      ratio: run.seconds / (Math.max(budgetSeconds, options.copySeconds) + pageLatencySeconds),
      peakRssMiB: Math.round(run.peakRssMiB),
      machineBusyPercent: Math.round(run.busyPercent),
      workerCpuSeconds: run.workerCpuSeconds,
      seiCpuSeconds,
      pgCpuSeconds,
      loadAtStart,
      exact: rows === options.records,
      timeline,
      fallback,
    };
  } finally {
    await db.drop();
    await sei.close();
  }
}

/** One line per request SEI answered, from the first one: where a run's time went. */
async function writeTimeline(
  sei: LatencySource,
  run: { startedAtMs: number; endedAtMs: number },
  name: string,
): Promise<TimelineSummary> {
  const log = await sei.timeline();
  const first = log[0]?.at ?? 0;
  const lines = log.map((entry) =>
    [
      entry.at - first,
      entry.status,
      entry.path,
      entry.page,
      entry.pageSize,
      entry.records,
      JSON.stringify(entry.filter),
    ].join('\t'),
  );
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(`${values.out}/timeline-${name}.tsv`, `${lines.join('\n')}\n`);
  return summarizeTimeline(log, run);
}

/** PostgreSQL's own time to take the same rows (COPY into staging, then the merge), on an empty database. */
async function copySeconds(records: number): Promise<number> {
  const db = await createScratchDatabase('sei_bench_copy');
  try {
    const migrated = await runCli({
      args: ['migrate'],
      cliPath,
      env: { DATABASE_URL: db.url },
      timeoutMs: 120_000,
    });
    if (migrated.code !== 0) throw new Error(`migrate failed\n${migrated.stderr}`);
    const client = await connect(db.url);
    try {
      const result = await copyLoad(
        client,
        { seed: BENCH_SEED, streamSizes: streamSizesFor(records, 'jira') },
        ['jira_issues'],
        '00000000-0000-4000-8000-000000000000',
      );
      return result.ms / 1000;
    } finally {
      await client.end();
    }
  } finally {
    await db.drop();
  }
}

const THIS_TREE = 'this tree';
const cliPath = buildCli();
const baseline = values.baseline === undefined ? undefined : buildBaselineCli(values.baseline);
const clis = [
  ...(baseline ? [{ label: `baseline ${baseline.commit}`, path: baseline.cliPath }] : []),
  { label: THIS_TREE, path: cliPath },
];
const rounds = Math.max(1, Number(values.rounds));
/** The round being measured (for the timeline files' names). */
let round = 1;
const scaleOut = Number(values['scale-out']);
const results: Measurement[] = [];
const runName = (scenario: string, records: number, workers: number, cli = THIS_TREE) =>
  `${scenario} ${records} × ${workers} worker(s)${cli === THIS_TREE ? '' : ` (${cli})`}`;

/** A run measured, a row of the table. */
async function measureRow(options: Parameters<typeof measure>[0]): Promise<void> {
  await progress.row(
    runName(options.scenario, options.records, options.workers, options.cliLabel),
    async () => {
      results.push(await measure(options));
    },
  );
}

/** The whole report from the runs measured so far. */
function render(): Rendered {
  const table = markdownTable(
    [
      'scenario',
      ...(baseline ? ['cli'] : []),
      'records',
      'workers',
      'seconds',
      'records/s',
      'requests',
      'slices',
      'budget s',
      'COPY s',
      'ratio',
      'peak RSS MiB',
      'machine CPU %',
      'worker CPU s',
      'worker CPU s / 1k rec',
      'PG CPU s / 1k rec',
      source === 'replay' ? 'bench+replay CPU s' : 'sim CPU s',
      'load at start',
      'exact',
    ],
    results.map((r) => [
      r.scenario,
      ...(baseline ? [r.cli] : []),
      String(r.records),
      String(r.workers),
      r.seconds.toFixed(2),
      String(r.recordsPerSecond),
      String(r.requests),
      String(r.slices),
      r.budgetSeconds.toFixed(1),
      r.copySeconds.toFixed(1),
      r.ratio.toFixed(2),
      String(r.peakRssMiB),
      String(r.machineBusyPercent),
      r.workerCpuSeconds.toFixed(1),
      ((1000 * r.workerCpuSeconds) / r.records).toFixed(3),
      ((1000 * r.pgCpuSeconds) / r.records).toFixed(3),
      r.seiCpuSeconds.toFixed(1),
      loadCell(r.loadAtStart),
      r.exact ? 'yes' : 'NO',
    ]),
  );
  const timelines = results.filter((r) => r.timeline !== undefined);
  const timelineTable =
    timelines.length === 0
      ? ''
      : `\nWhere the time went (from each run's request timeline, seconds from \`run-now\`; the tail: after 90% of the records were asked for):\n\n${markdownTable(
          [
            'scenario',
            ...(baseline ? ['cli'] : []),
            'records',
            'workers',
            'first request at s',
            'plan requests',
            'first page at s',
            'last request at s',
            'tail s',
            'slices in the tail',
            'finished after the last request s',
            'run s',
          ],
          timelines.map((r) => [
            r.scenario,
            ...(baseline ? [r.cli] : []),
            String(r.records),
            String(r.workers),
            r.timeline!.firstRequestSeconds.toFixed(2),
            String(r.timeline!.planRequests),
            r.timeline!.firstPageSeconds.toFixed(2),
            r.timeline!.lastRequestSeconds.toFixed(2),
            r.timeline!.tailSeconds.toFixed(2),
            String(r.timeline!.tailSlices),
            r.timeline!.afterLastRequestSeconds.toFixed(2),
            r.seconds.toFixed(2),
          ]),
        )}\n`;
  const fallbackLines = results.flatMap((r) =>
    r.fallback === undefined
      ? []
      : [`- ${fallbackNote(runName(r.scenario, r.records, r.workers, r.cli), r.fallback)}`],
  );
  const fallbacks =
    fallbackLines.length > 0
      ? `\nReplay fallback, per run (not in the bench+replay CPU column):\n\n${fallbackLines.join('\n')}\n`
      : '';
  return {
    markdown: `# Walk by time under latency, ${new Date().toISOString()}\n\n${machine}; ${seiText}; latency ${JSON.stringify(LOADED_TENANT_LATENCY)}.\nCommand: \`${command}\`\nLoad average (1 min) at each run's start in the table (${BUSY_NOTE}).\n\n${table}\n${timelineTable}${fallbacks}`,
    json: { machine, command, source, latency: LOADED_TENANT_LATENCY, results },
  };
}

const machine = machineDescription();
const seiText =
  source === 'replay'
    ? 'SEI: replay server in the bench process (pages captured once, served from memory, latency by timers; what it does not hold, the simulator answers)'
    : 'SEI: the simulator in its own process';
const command = `npm run bench:latency --${values.replay ? ' --replay' : ''} --scales ${scales.join(',')} --workers ${workerCounts.join(',')} --scale-out ${scaleOut}${(values.env ?? []).map((setting) => ` --env ${setting}`).join('')}${values.baseline ? ` --baseline ${values.baseline}` : ''}${rounds > 1 ? ` --rounds ${rounds}` : ''}`;
const progress = new ResultsSoFar({
  path: `${values.out}/latency-${scales.length > 0 ? scales.join('-') : `scale-out-${scaleOut}`}${source === 'replay' ? '-replay' : ''}${baseline ? `-vs-${baseline.commit}` : ''}`,
  render,
});
await progress.complete(async () => {
  if (source === 'replay') {
    // Every capture before any timing: a capture keeps the machine busy for minutes at 1M.
    for (const records of new Set([...scales, ...(scaleOut > 0 ? [scaleOut] : [])]))
      await progress.step(`${records} records: pages for the replay`, async () => {
        process.stderr.write(`${records} records: pages for the replay (captured once, then cached)...\n`);
        await replayDataFor({ records, mix: 'jira', pageSize: String(PAGE_SIZE) });
      });
  }
  for (const records of scales) {
    const copy = await progress.step(`${records} records: COPY limit`, () => {
      process.stderr.write(`${records} records: COPY limit...\n`);
      return copySeconds(records);
    });
    for (round = 1; round <= rounds; round++)
      // Baseline first in odd rounds, last in even ones: neither always runs on a warmer machine.
      for (const workers of workerCounts)
        for (const cli of round % 2 === 1 ? clis : [...clis].reverse())
          await measureRow({
            cli: cli.path,
            cliLabel: cli.label,
            scenario: 'budget 1000/min',
            records,
            workers,
            budgetPerMinute: BUDGET_PER_MINUTE,
            extraEnv: workerEnv,
            copySeconds: copy,
          });
    round = 1;
  }
  // Scale-out where neither the budget nor PostgreSQL binds: two slices per worker, a budget of 5000/min.
  if (scaleOut > 0) {
    const copy = await progress.step(`${scaleOut} records: COPY limit`, () => copySeconds(scaleOut));
    for (const workers of [1, 3])
      await measureRow({
        cli: cliPath,
        cliLabel: THIS_TREE,
        scenario: 'scale-out (2 slices/worker, 5000/min)',
        records: scaleOut,
        workers,
        budgetPerMinute: 5000,
        extraEnv: { WORKER_CONCURRENCY: '2', SEI_MAX_IN_FLIGHT: '2' },
        copySeconds: copy,
      });
  }
});
