/**
 * `npx tsx bench/memory-timeline.ts [--scales 100000] [--mix jira] [--page-size 1000]
 *  [--node-flags '--flag ...'] [--env NAME=value]... [--cli <path to a compiled cli.js>] [--every 100] [--live]
 *  [--alloc-profile <file.heapprofile>] [--alloc-top 25]`:
 * where the resident memory of one `sei-sync sync` (compiled) goes, on the replay server
 * (./lib/replay-with-fallback.ts), or with `--live` on the simulator itself: no capture, which at 10M
 * would take hours and not fit in memory (the simulator's CPU then shares the machine; RSS is the
 * sync's own either way). A preload (./lib/memory-sampler.cjs) samples the child every
 * `--every` ms; this prints the peak RSS, the sync's CPU per 1,000 records, what made up the peak
 * (anonymous and file-backed pages, V8's heap spaces, external and array buffers) and a coarse timeline.
 * With `--alloc-profile`, the sync also runs under a sampling allocation profiler (./lib/alloc-sampler.cjs,
 * which costs CPU: its time and CPU are then not the product's), the profile is kept in that file and
 * the bytes allocated per 1,000 records and by which functions are printed (./alloc-summary.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeAllocations } from './alloc-summary.js';
import { buildCli } from './lib/build.js';
import { runCli } from './lib/cli-process.js';
import { connect, createScratchDatabase } from './lib/database.js';
import { startCaptureSimulator } from './lib/replay-data.js';
import { startBenchReplay } from './lib/replay-with-fallback.js';
import { BENCH_REQUESTS_PER_MINUTE, MIXES, type MixName } from './lib/scenario-data.js';

const SAMPLER = fileURLToPath(new URL('./lib/memory-sampler.cjs', import.meta.url));
const ALLOC_SAMPLER = fileURLToPath(new URL('./lib/alloc-sampler.cjs', import.meta.url));

const { values } = parseArgs({
  options: {
    scales: { type: 'string', default: '100000' },
    mix: { type: 'string', default: 'jira' },
    'page-size': { type: 'string', default: '1000' },
    'node-flags': { type: 'string' },
    env: { type: 'string', multiple: true },
    cli: { type: 'string' },
    every: { type: 'string', default: '100' },
    live: { type: 'boolean', default: false },
    'alloc-profile': { type: 'string' },
    'alloc-top': { type: 'string', default: '25' },
  },
});
if (!(values.mix! in MIXES)) throw new Error(`--mix: one of ${Object.keys(MIXES).join(', ')}`);
const records = Number(values.scales);
const mix = values.mix as MixName;
const pageSize = values['page-size']!;
const nodeFlags = values['node-flags']?.split(' ').filter(Boolean) ?? [];
const extraEnv = Object.fromEntries(
  (values.env ?? []).map((setting) => {
    const at = setting.indexOf('=');
    return [setting.slice(0, at), setting.slice(at + 1)];
  }),
);

interface Sample {
  t: number;
  rss: number;
  anon: number;
  fileBacked: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  spaces: Record<string, number>;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

function describe(sample: Sample): string {
  const spaces = Object.entries(sample.spaces)
    .filter(([, size]) => size >= 2 ** 20)
    .map(([name, size]) => `${name} ${mib(size)}`)
    .join(', ');
  return `rss ${mib(sample.rss)} (anon ${mib(sample.anon)}, file ${mib(sample.fileBacked)}); heap ${mib(sample.heapTotal)} (used ${mib(sample.heapUsed)}: ${spaces}); external ${mib(sample.external)} (array buffers ${mib(sample.arrayBuffers)})`;
}

/** The simulator a capture would be made of, answering the sync directly, on the sync's own clock. */
async function liveSei(): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  const sim = await startCaptureSimulator({ records, mix });
  return {
    env: { SEI_BASE_URL: sim.url, SEI_API_KEY: sim.adminKey, SEI_SYNC_WORK_STEALING: 'true' },
    close: () => sim.close(),
  };
}

const cliPath = values.cli ?? buildCli();
const sei = values.live ? await liveSei() : await startBenchReplay({ records, mix, pageSize });
const db = await createScratchDatabase('sei_memory_timeline');
const dir = mkdtempSync(join(tmpdir(), 'sei-memory-'));
try {
  const env = {
    ...sei.env,
    SEI_PAGE_SIZE: pageSize,
    SEI_REQUESTS_PER_MINUTE: BENCH_REQUESTS_PER_MINUTE,
    DATABASE_URL: db.url,
  };
  const migrate = await runCli({ args: ['migrate'], cliPath, env, timeoutMs: 120_000 });
  if (migrate.code !== 0) throw new Error(`migrate failed: ${migrate.stderr.slice(-2000)}`);
  const file = join(dir, 'memory.jsonl');
  const load = loadavg()[0]!;
  const startedAt = Date.now();
  const allocProfile = values['alloc-profile'];
  const run = await runCli({
    args: ['sync'],
    cliPath,
    env: {
      ...env,
      ...extraEnv,
      BENCH_MEMORY_FILE: file,
      BENCH_MEMORY_EVERY_MS: values.every!,
      ...(allocProfile ? { BENCH_ALLOC_PROFILE: allocProfile } : {}),
    },
    nodeFlags: [...nodeFlags, '--require', SAMPLER, ...(allocProfile ? ['--require', ALLOC_SAMPLER] : [])],
    timeoutMs: 4 * 60 * 60_000, // 10M live takes most of an hour here
  });
  if (run.code !== 0) throw new Error(`sync failed (${run.code ?? run.signal}): ${run.stderr.slice(-2000)}`);
  const samples = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Sample);
  const peak = samples.reduce((a, b) => (b.rss > a.rss ? b : a));
  const cpu = run.cpuSeconds ?? Number.NaN;
  process.stdout.write(
    `${records} ${mix}${values.live ? ' (live simulator)' : ''}, flags [${nodeFlags.join(' ')}], env [${Object.keys(extraEnv).join(' ')}], load ${load.toFixed(1)}: ` +
      `${(run.ms / 1000).toFixed(1)} s, CPU ${cpu.toFixed(1)} s (${((cpu / records) * 1000).toFixed(3)} s / 1k), peak RSS (VmHWM) ${run.peakRssMiB} MiB\n` +
      `at the sampled peak (${(peak.t / 1000).toFixed(1)} s): ${describe(peak)}\n`,
  );
  const step = Math.max(1, Math.floor(samples.length / 20));
  for (let i = 0; i < samples.length; i += step)
    process.stdout.write(`  ${(samples[i]!.t / 1000).toFixed(1)} s: ${describe(samples[i]!)}\n`);
  if (allocProfile) {
    const profile = JSON.parse(readFileSync(allocProfile, 'utf8'));
    process.stdout.write(`${describeAllocations(profile, { records, top: Number(values['alloc-top']) })}\n`);
    const collections = JSON.parse(readFileSync(`${allocProfile}.gc.json`, 'utf8')) as Record<
      string,
      { count: number; ms: number }
    >;
    for (const [kind, { count, ms }] of Object.entries(collections))
      process.stdout.write(
        `  GC ${kind}: ${count} (${((count / records) * 1000).toFixed(2)} per 1,000 records), ${ms.toFixed(0)} ms\n`,
      );
  }
  // When each big stream ran, to read the timeline by (seconds from the sync's start, roughly).
  const client = await connect(db.url);
  try {
    const { rows } = await client.query<{
      stream: string;
      started: number;
      finished: number;
      records: number;
    }>(
      `SELECT stream, extract(epoch FROM started_at) * 1000 AS started, extract(epoch FROM finished_at) * 1000 AS finished, records
       FROM sei_sync.stream_runs WHERE records >= 1000 ORDER BY started_at`,
    );
    for (const row of rows)
      process.stdout.write(
        `  ${row.stream}: ${((Number(row.started) - startedAt) / 1000).toFixed(0)}–${((Number(row.finished) - startedAt) / 1000).toFixed(0)} s, ${row.records} records\n`,
      );
  } finally {
    await client.end();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await db.drop();
  await sei.close();
}
