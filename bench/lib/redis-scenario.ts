/**
 * Redis restarts in the middle of a worker run (`sei-sync worker` + `sei-sync run-now`): the run must
 * still end with tables equal to the dataset. Chaos script only: it restarts the machine's Redis, and
 * always starts it again (the settings of the local test Redis: no persistence, loopback).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Secret } from '../../src/secret.js';
import { migrateToLatest } from '../../src/state/migrate.js';
import { openWarehouse } from '../../src/state/open.js';
import { STREAM_NAMES } from '../../src/streams/types.js';
import type { ChaosOptions, ScenarioResult } from './chaos-scenarios.js';
import { runCli } from './cli-process.js';
import { connect, createScratchDatabase } from './database.js';
import { BENCH_REQUESTS_PER_MINUTE, BENCH_SEED, streamSizesFor } from './scenario-data.js';
import { startSimulatorProcess } from './sim-process.js';
import { diffIsClean, diffTable } from './verify.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const REDIS_PORT = Number(process.env.BENCH_REDIS_PORT ?? 6379);
/** Longest wait for a worker run to finish after the restart. */
const RUN_TIMEOUT_MS = 10 * 60_000;

function redisUp(): boolean {
  try {
    return execFileSync('redis-cli', ['-p', String(REDIS_PORT), 'ping'], { stdio: 'pipe', timeout: 5000 })
      .toString()
      .includes('PONG');
  } catch {
    return false;
  }
}

export function ensureRedisUp(): void {
  if (redisUp()) return;
  execFileSync(
    'redis-server',
    [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '--port',
      String(REDIS_PORT),
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'pipe', timeout: 10_000 },
  );
  for (let i = 0; i < 50 && !redisUp(); i++) execFileSync('sleep', ['0.2']);
}

function restartRedis(): void {
  try {
    execFileSync('redis-cli', ['-p', String(REDIS_PORT), 'shutdown', 'nosave'], {
      stdio: 'pipe',
      timeout: 10_000,
    });
  } catch {
    // shutdown closes the connection before answering: an error here is the normal case.
  }
  execFileSync('sleep', ['1']);
  ensureRedisUp();
}

export async function redisRestartScenario(options: ChaosOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const scenario = 'Redis restarts mid worker run';
  const sim = await startSimulatorProcess({
    records: 0,
    streamSizes: streamSizesFor(options.records),
    seed: BENCH_SEED,
  });
  const db = await createScratchDatabase('sei_chaos_redis');
  const env = {
    DATABASE_URL: db.url,
    SEI_BASE_URL: sim.url,
    SEI_API_KEY: sim.adminKey,
    SEI_PAGE_SIZE: String(options.pageSize),
    SEI_REQUESTS_PER_MINUTE: BENCH_REQUESTS_PER_MINUTE,
    REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}`,
    BULLMQ_PREFIX: `sei-chaos-${randomBytes(3).toString('hex')}`,
    SCHEDULE_FULL_CRON: 'off',
    SCHEDULE_INCREMENTAL_CRON: 'off',
    OPS_HOST: '127.0.0.1',
    OPS_PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
    LOG_LEVEL: 'warn',
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
  };
  const entry = options.cliPath ? [options.cliPath] : ['--import', 'tsx', `${REPO_ROOT}src/cli.ts`];
  let worker: ReturnType<typeof spawn> | undefined;
  let workerLog = '';
  try {
    const warehouse = await openWarehouse({ databaseUrl: new Secret(db.url) });
    try {
      await migrateToLatest(warehouse);
    } finally {
      await warehouse.close();
    }
    worker = spawn(process.execPath, [...entry, 'worker'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout?.on('data', (chunk: Buffer) => {
      workerLog = (workerLog + chunk.toString()).slice(-20_000);
    });
    worker.stderr?.on('data', (chunk: Buffer) => {
      workerLog = (workerLog + chunk.toString()).slice(-20_000);
    });
    const runNow = await runCli({
      args: ['run-now'],
      env,
      timeoutMs: 60_000,
      ...(options.cliPath && { cliPath: options.cliPath }),
    });
    if (runNow.code !== 0) throw new Error(`run-now exited ${runNow.code}: ${runNow.stderr.trim()}`);
    const runId = runNow.stdout.trim().split('\n').pop()!;
    // Restart Redis once the workers are busy fetching pages.
    const restartDeadline = Date.now() + 120_000;
    while ((await sim.requestCount()) < 6) {
      if (Date.now() > restartDeadline) throw new Error('the worker never started fetching');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    restartRedis();
    // The job data vanished with Redis (no persistence here): the run the workers had in hand finishes
    // or fails; whatever was lost is what a new run-now must complete, from the checkpoints.
    const client = await connect(db.url);
    let status = 'running';
    let reruns = 0;
    try {
      const deadline = Date.now() + RUN_TIMEOUT_MS;
      let lastProgress = await sim.requestCount();
      let quietSince = Date.now();
      let currentRun = runId;
      while (Date.now() < deadline) {
        const row = await client.query<{ status: string }>('SELECT status FROM sei_sync.runs WHERE id = $1', [
          currentRun,
        ]);
        status = row.rows[0]?.status ?? 'queued';
        if (status === 'succeeded') break;
        const requests = await sim.requestCount();
        if (requests !== lastProgress) {
          lastProgress = requests;
          quietSince = Date.now();
        }
        // A run whose jobs were lost with Redis never finishes: after 15 s without a request, ask again.
        if (status === 'failed' || Date.now() - quietSince > 15_000) {
          if (reruns >= 3) break;
          reruns += 1;
          const again = await runCli({
            args: ['run-now'],
            env,
            timeoutMs: 60_000,
            ...(options.cliPath && { cliPath: options.cliPath }),
          });
          if (again.code !== 0) throw new Error(`run-now exited ${again.code}: ${again.stderr.trim()}`);
          currentRun = again.stdout.trim().split('\n').pop()!;
          quietSince = Date.now();
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await client.end();
    }
    const verify = await connect(db.url);
    let text: string;
    let exact = true;
    try {
      const bad: string[] = [];
      let rows = 0;
      for (const stream of STREAM_NAMES) {
        const diff = await diffTable(verify, stream, await sim.expectedHashes(stream));
        rows += diff.actual;
        if (!diffIsClean(diff)) {
          exact = false;
          bad.push(
            `${stream}: ${diff.missing} missing, ${diff.unexpected} unexpected, ${diff.different} different`,
          );
        }
      }
      text = exact ? `${rows} rows exact` : bad.join('; ');
    } finally {
      await verify.end();
    }
    return {
      scenario,
      ok: status === 'succeeded' && exact,
      detail: `run ${status} after the restart${reruns > 0 ? ` (${reruns} new run-now: jobs lost with a non-persistent Redis)` : ''}; ${text}`,
      requests: await sim.requestCount(),
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    return {
      scenario,
      ok: false,
      detail: `error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}; worker: ${workerLog.trim().split('\n').pop() ?? ''}`,
      requests: await sim.requestCount().catch(() => 0),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    ensureRedisUp();
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      const timer = setTimeout(() => worker!.kill('SIGKILL'), 35_000);
      await exited;
      clearTimeout(timer);
    }
    await sim.close();
    await db.drop();
  }
}
