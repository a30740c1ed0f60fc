/**
 * `npx tsx bench/latency-probe.ts [--records 30000] [--workers 1] [--cli path] [--env NAME=value] [--out /tmp/probe]`
 *
 * One run of the latency scenario (./latency.ts, replay) with the workers logging at debug: the
 * requests SEI saw, the workers' log lines, the BullMQ jobs (added, last processed, finished) and the
 * bench's own events on one clock (ms from spawning `run-now`), in one text file: where the time
 * before the first page and after the last answer goes, step by step. `--cli` runs another build
 * (e.g. ./lib/baseline.ts's). Not a benchmark: its debug logs cost the workers CPU, and one run's
 * wall time says little; the order and gaps of the steps are what it shows, on a busy machine too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { buildCli, REPO_ROOT } from './lib/build.js';
import { runCli } from './lib/cli-process.js';
import { processCpuSeconds } from './lib/cpu.js';
import { connect, createScratchDatabase } from './lib/database.js';
import { startLatencySource } from './lib/latency-source.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '30000' },
    workers: { type: 'string', default: '1' },
    cli: { type: 'string' },
    out: { type: 'string', default: '/tmp/probe' },
    env: { type: 'string', multiple: true },
  },
});
const records = Number(values.records);
const workers = Number(values.workers);
const cli = values.cli ?? buildCli();
const extraEnv = Object.fromEntries((values.env ?? []).map((s) => s.split('=', 2) as [string, string]));
const port = 20_000 + Math.floor(Math.random() * 20_000);

const sei = await startLatencySource('replay', records, 1000);
const db = await createScratchDatabase('sei_probe_latency');
const events: { at: number; who: string; what: string }[] = [];
const processes: ChildProcess[] = [];
try {
  const env = {
    ...sei.env,
    SEI_PAGE_SIZE: '1000',
    SEI_REQUESTS_PER_MINUTE: '1000',
    DATABASE_URL: db.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    BULLMQ_PREFIX: `probe-${randomBytes(4).toString('hex')}`,
    SCHEDULE_FULL_CRON: 'off',
    SCHEDULE_INCREMENTAL_CRON: 'off',
    LOG_LEVEL: 'debug',
    ...extraEnv,
  };
  const migrated = await runCli({ args: ['migrate'], cliPath: cli, env, timeoutMs: 120_000 });
  if (migrated.code !== 0) throw new Error(migrated.stderr);
  for (let k = 0; k < workers; k++) {
    const worker = spawn(process.execPath, [cli, 'worker'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: '/tmp', ...env, OPS_PORT: String(port + k) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let rest = '';
    worker.stderr?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        try {
          const { time, msg, level, pid: _pid, hostname: _h, ...fields } = JSON.parse(line);
          events.push({ at: time, who: `w${k}`, what: `${level} ${msg} ${JSON.stringify(fields)}` });
        } catch {
          events.push({ at: Date.now(), who: `w${k}`, what: line });
        }
      }
    });
    processes.push(worker);
  }
  for (let k = 0; k < workers; k++)
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port + k}/readyz`).then(
        (a) => a.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  const cpuBefore = processes.map((w) => processCpuSeconds(w.pid));
  const started = Date.now();
  events.push({ at: started, who: 'bench', what: 'run-now spawned' });
  const runNow = await runCli({
    args: ['run-now', '--streams', 'jira_issues'],
    cliPath: cli,
    env,
    timeoutMs: 60_000,
  });
  events.push({
    at: Date.now(),
    who: 'bench',
    what: `run-now exited ${runNow.code} cpu ${runNow.cpuSeconds}`,
  });
  const runId = runNow.stdout.trim().split('\n').pop()!;
  const client = await connect(db.url);
  for (;;) {
    const row = await client.query('SELECT status FROM sei_sync.runs WHERE id = $1', [runId]);
    const status = row.rows[0]?.status;
    if (status && status !== 'running') {
      events.push({ at: Date.now(), who: 'bench', what: `run seen ${status}` });
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const n = (await client.query('SELECT count(*)::int AS n FROM sei.jira_issues')).rows[0].n;
  const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  for (const name of ['sei-sync-runs', 'sei-sync-streams']) {
    const queue = new Queue(name, { connection: redis, prefix: env.BULLMQ_PREFIX });
    for (const job of await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed'])) {
      const id = `${job.name} ${(job.data as { sliceNo?: number }).sliceNo ?? ''}`;
      events.push({ at: job.timestamp, who: 'job', what: `${id} added` });
      if (job.processedOn) events.push({ at: job.processedOn, who: 'job', what: `${id} processed (last)` });
      if (job.finishedOn) events.push({ at: job.finishedOn, who: 'job', what: `${id} finished` });
    }
    await queue.close();
  }
  // The probe's keys go with it (a worker's keys all start with its prefix).
  const keys = await redis.keys(`${env.BULLMQ_PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await client.end();
  const cpu = processes.map((w, k) => processCpuSeconds(w.pid) - (cpuBefore[k] ?? 0));
  for (const entry of await sei.timeline())
    events.push({
      at: entry.at,
      who: 'SEI',
      what: `${entry.status} ${entry.path} page ${entry.page} size ${entry.pageSize} -> ${entry.records} ${JSON.stringify(entry.filter)}`,
    });
  events.sort((a, b) => a.at - b.at);
  const lines = events.map((e) => `${String(e.at - started).padStart(6)} ${e.who.padEnd(5)} ${e.what}`);
  mkdirSync(values.out!, { recursive: true });
  const file = `${values.out}/probe-${records}-${workers}w-${Date.now()}.txt`;
  writeFileSync(file, `${lines.join('\n')}\n`);
  process.stdout.write(
    `${file}\nrows ${n} of ${records}; run ${(events.find((e) => e.what.startsWith('run seen'))!.at - started) / 1000} s; worker CPU s ${cpu.map((c) => c.toFixed(2)).join(' ')}\n`,
  );
} finally {
  for (const w of processes) w.kill('SIGTERM');
  await Promise.all(processes.map((w) => new Promise((r) => w.once('exit', r))));
  await db.drop();
  await sei.close();
}
