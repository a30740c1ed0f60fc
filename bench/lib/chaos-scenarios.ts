/**
 * Fault scenarios against the real CLI, the simulator in its own process and a fresh PostgreSQL
 * database each. Every scenario ends with an exact comparison of the tables with the simulator's
 * dataset (counts, keys, canonical row hashes). Used by `npm run chaos` (bench/chaos.ts, at 100k
 * records, PostgreSQL restart included) and, at small scale, by test/integration/chaos/.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULTS } from '../../src/config.js';
import { SLICING_DEFAULTS } from '../../src/extract/slicing.js';
import { Secret } from '../../src/secret.js';
import type { FaultOptions } from '../../src/simulator/types.js';
import { migrateToLatest } from '../../src/state/migrate.js';
import { openWarehouse } from '../../src/state/open.js';
import { STREAMS } from '../../src/streams/registry.js';
import { STREAM_NAMES, type StreamName } from '../../src/streams/types.js';
import { type CliRunResult, runCli } from './cli-process.js';
import { connect, createScratchDatabase, type ScratchDatabase } from './database.js';
import { requestsBeforeResumePoints, type WalkProgress, walksInProgressOn } from './resume-points.js';
import { BENCH_REQUESTS_PER_MINUTE, BENCH_SEED, streamSizesFor } from './scenario-data.js';
import { type SimulatorProcess, startSimulatorProcess } from './sim-process.js';
import { diffIsClean, diffTable, type TableDiff } from './verify.js';

export interface ScenarioResult {
  scenario: string;
  ok: boolean;
  /** One line: what happened, or why it failed. */
  detail: string;
  /** HTTP requests the simulator (or the 404 server) received. */
  requests: number;
  seconds: number;
}

export interface ChaosOptions {
  records: number;
  pageSize: number;
  /** Compiled CLI (bench/lib/build.ts), else tsx. */
  cliPath?: string;
  /** Per CLI run. */
  timeoutMs: number;
  seed?: number;
}

interface Setup {
  sim: SimulatorProcess;
  db: ScratchDatabase;
  env: Record<string, string>;
  close(): Promise<void>;
}

async function setup(options: ChaosOptions, faults: Partial<FaultOptions> = {}): Promise<Setup> {
  const sim = await startSimulatorProcess({
    records: 0,
    streamSizes: streamSizesFor(options.records),
    seed: options.seed ?? BENCH_SEED,
    faults,
  });
  let db: ScratchDatabase | undefined;
  try {
    db = await createScratchDatabase('sei_chaos');
    const warehouse = await openWarehouse({ databaseUrl: new Secret(db.url) });
    try {
      await migrateToLatest(warehouse);
    } finally {
      await warehouse.close();
    }
  } catch (error) {
    await sim.close();
    await db?.drop();
    throw error;
  }
  const env = {
    DATABASE_URL: db.url,
    SEI_BASE_URL: sim.url,
    SEI_API_KEY: sim.adminKey,
    SEI_PAGE_SIZE: String(options.pageSize),
    SEI_REQUESTS_PER_MINUTE: BENCH_REQUESTS_PER_MINUTE,
    LOG_LEVEL: 'warn',
  };
  return {
    sim,
    db,
    env,
    close: async () => {
      await sim.close();
      await db.drop();
    },
  };
}

function sync(
  options: ChaosOptions,
  env: Record<string, string>,
  extra: Partial<Parameters<typeof runCli>[0]> = {},
) {
  return runCli({
    args: ['sync'],
    env,
    timeoutMs: options.timeoutMs,
    ...(options.cliPath && { cliPath: options.cliPath }),
    ...extra,
  });
}

/** Diffs of every stream, with the incremental streams allowed to keep `keptDeleted` deleted rows. */
async function compare(setup: Setup, streams: readonly StreamName[] = STREAM_NAMES): Promise<TableDiff[]> {
  const client = await connect(setup.db.url);
  try {
    const diffs: TableDiff[] = [];
    for (const stream of streams)
      diffs.push(await diffTable(client, stream, await setup.sim.expectedHashes(stream)));
    return diffs;
  } finally {
    await client.end();
  }
}

function describeDiffs(diffs: readonly TableDiff[]): { exact: boolean; text: string } {
  const bad = diffs.filter((diff) => !diffIsClean(diff));
  const rows = diffs.reduce((n, diff) => n + diff.actual, 0);
  if (bad.length === 0) return { exact: true, text: `${rows} rows exact in ${diffs.length} tables` };
  return {
    exact: false,
    text: bad
      .map(
        (d) =>
          `${d.stream}: ${d.missing} missing, ${d.unexpected} unexpected, ${d.different} different (${d.examples[0] ?? ''})`,
      )
      .join('; '),
  };
}

/** The error a user reads: the CLI's own `sei-sync: ...` line, else the first SEI error in the summary. */
function oneLine(run: CliRunResult): string {
  const fatal = run.stderr.split('\n').find((line) => line.startsWith('sei-sync: '));
  if (fatal) return fatal;
  const seiError = /SEI_(?:SYNC_)?ERR_\w+: [^\n]*/.exec(run.stdout)?.[0];
  if (seiError) return seiError.trim();
  const lines = run.stderr.trim().split('\n').filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

async function timed(
  scenario: string,
  run: () => Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>>,
): Promise<ScenarioResult> {
  const started = performance.now();
  try {
    const result = await run();
    return { scenario, ...result, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    return {
      scenario,
      ok: false,
      detail: `error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      requests: 0,
      seconds: (performance.now() - started) / 1000,
    };
  }
}

/** A small seeded generator, so a chaos run kills at the same points again. */
function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** Slices one sync process walks at once (SEI_MAX_IN_FLIGHT's default). */
const IN_FLIGHT_SLICES = DEFAULTS.maxInFlight;

/**
 * SIGKILL the sync at `kills` random points (after a random number of requests), restart it each time,
 * then let it finish. The cost of a kill: the requests the next attempt made again with the very same
 * body (the pages in flight when killed: up to two per slice being walked); and no request may ask a
 * walk for anything before a slice's committed resume point (that would be committed work re-fetched).
 */
export function killNineScenario(options: ChaosOptions, kills: number): Promise<ScenarioResult> {
  return timed(`SIGKILL x${kills} during a ${options.records}-record sync`, async () => {
    const env = await setup(options);
    try {
      const random = seeded((options.seed ?? BENCH_SEED) * 7919);
      let requests = 0;
      let done = 0;
      let maxRefetch = 0;
      let committedRefetch = 0;
      let previousBodies = new Set<string>();
      let kept = new Map<StreamName, WalkProgress>();
      let finished = false;
      // Bounded: `kills` killed attempts, then at most 3 to finish.
      for (let attempt = 0; attempt < kills + 3 && !finished; attempt++) {
        await env.sim.clearRequestLog();
        const killing = done < kills;
        const target = 2 + Math.floor(random() * 12);
        const run = await sync(options, env.env, {
          ...(killing && {
            killWhen: async () => (await env.sim.requestCount()) >= target,
          }),
        });
        const log = await env.sim.requestLog();
        requests += log.length;
        // Page requests (not the counts of planning, of one record or a few) asked again with the same body.
        const bodies = log
          .filter(
            (entry) =>
              entry.status === 200 && (entry.pageSize ?? 0) > SLICING_DEFAULTS.firstRecordsBefore1970,
          )
          .map((entry) => `${entry.path} ${JSON.stringify(entry.body)}`);
        maxRefetch = Math.max(maxRefetch, bodies.filter((body) => previousBodies.has(body)).length);
        committedRefetch += requestsBeforeResumePoints(log, kept).length;
        previousBodies = new Set(bodies);
        const client = await connect(env.db.url);
        try {
          kept = await walksInProgressOn(client);
        } finally {
          await client.end();
        }
        if (run.killed) done += 1;
        else if (run.code === 0) finished = true;
        else if (!killing) throw new Error(`sync exited ${run.code}: ${oneLine(run)}`);
      }
      if (!finished) throw new Error('the sync did not finish after the kills');
      const diff = describeDiffs(await compare(env));
      // In flight at a kill: at most two pages for each slice walked at once (SEI_MAX_IN_FLIGHT).
      const refetchOk = maxRefetch <= 2 * IN_FLIGHT_SLICES && committedRefetch === 0;
      return {
        ok: diff.exact && refetchOk && done === kills,
        detail: `${done} kills; ${diff.text}; re-fetched per kill at most ${maxRefetch} page(s) (in flight when killed), ${committedRefetch} before a committed resume point`,
        requests,
      };
    } finally {
      await env.close();
    }
  });
}

/** The simulator at 5% 500s, 2% 429s, 1% resets, 1% truncated bodies. */
export function faultyServerScenario(options: ChaosOptions): Promise<ScenarioResult> {
  const faults = { serverError: 0.05, rateLimited: 0.02, connectionReset: 0.01, truncatedBody: 0.01 };
  return timed('5% 500, 2% 429, 1% resets, 1% truncated bodies', async () => {
    const env = await setup(options, faults);
    try {
      const run = await sync(options, { ...env.env, SEI_MAX_ATTEMPTS: '8' });
      const log = await env.sim.requestLog();
      const faulted = log.filter((entry) => entry.fault !== undefined).length;
      if (run.code !== 0) throw new Error(`sync exited ${run.code}: ${oneLine(run)}`);
      const diff = describeDiffs(await compare(env));
      return {
        ok: diff.exact && faulted > 0,
        detail: `${faulted} faulty answers survived; ${diff.text}`,
        requests: log.length,
      };
    } finally {
      await env.close();
    }
  });
}

/** Records inserted and deleted under a running walk (offset paging shifts), healed by re-reads. */
export function shiftingPagesScenario(options: ChaosOptions): Promise<ScenarioResult> {
  return timed('pages shift during the walk (inserts, deletes)', async () => {
    const env = await setup(options);
    try {
      const deletedIncremental = 7;
      await env.sim.mutateDuringWalk('jira_issues', 3, { delete: deletedIncremental, insert: 11 });
      await env.sim.mutateDuringWalk('scm_pull_requests', 2, { insert: 5, update: 5 });
      await env.sim.mutateDuringWalk('org_users', 0, { delete: 5, insert: 3 });
      const first = await sync(options, env.env);
      if (first.code !== 0) throw new Error(`sync exited ${first.code}: ${oneLine(first)}`);
      // Records inserted during the walk carry a newer updated-at than the window's end: the next run reads them.
      const second = await sync(options, env.env);
      if (second.code !== 0) throw new Error(`second sync exited ${second.code}: ${oneLine(second)}`);
      const diffs = await compare(env);
      // SEI has no deletion feed for incremental streams: issues deleted after they were read stay (README).
      const jira = diffs.find((d) => d.stream === 'jira_issues')!;
      const others = diffs.filter((d) => d.stream !== 'jira_issues');
      const diff = describeDiffs(others);
      const jiraOk = jira.missing === 0 && jira.different === 0 && jira.unexpected <= deletedIncremental;
      const log = await env.sim.requestCount();
      return {
        ok: diff.exact && jiraOk,
        detail: `${diff.text}; jira_issues ${jira.actual} rows: 0 missing/different expected, got ${jira.missing}/${jira.different}, ${jira.unexpected} deleted-upstream rows kept (no deletion feed)`,
        requests: log,
      };
    } finally {
      await env.close();
    }
  });
}

/** A wrong key: one request per stream at most, one clear line, a non-zero exit, no retries. */
export function wrongKeyScenario(options: ChaosOptions): Promise<ScenarioResult> {
  return timed('wrong API key', async () => {
    const env = await setup({ ...options, records: Math.min(options.records, 1000) });
    try {
      const run = await sync(options, { ...env.env, SEI_API_KEY: 'wrong-key-123' }, {});
      const requests = await env.sim.requestCount();
      const line = oneLine(run);
      const leaked = run.stderr.includes('wrong-key-123') || run.stdout.includes('wrong-key-123');
      const diff = describeDiffs((await compare(env)).map((d) => ({ ...d, expected: 0, missing: 0 })));
      const ok = run.code !== 0 && requests === 1 && !leaked && diff.exact;
      return {
        ok,
        detail: `exit ${run.code}, ${requests} requests, "${line.slice(0, 120)}"${leaked ? ' KEY LEAKED' : ''}; tables empty`,
        requests,
      };
    } finally {
      await env.close();
    }
  });
}

/** A base URL whose every path answers 404 (a wrong environment or prefix). */
export function wrongEnvironmentScenario(options: ChaosOptions): Promise<ScenarioResult> {
  return timed('wrong environment (every path 404)', async () => {
    let requests = 0;
    const server = createServer((request, response) => {
      requests += 1;
      request.resume();
      response.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const env = await setup({ ...options, records: 100 });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gratis/sei/api`;
      const run = await sync(options, { ...env.env, SEI_BASE_URL: url });
      const line = oneLine(run);
      const client = await connect(env.db.url);
      let rows = 0;
      try {
        for (const stream of STREAM_NAMES) {
          const table = STREAMS[stream].table;
          const result = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "${table.schema}"."${table.name}"`,
          );
          rows += result.rows[0]!.n;
        }
      } finally {
        await client.end();
      }
      // Two lists answering 404 tell a wrong base URL from one list this SEI does not serve
      // (first-request-gate.ts); a first request that was a route probe does not count as a list.
      const ok = run.code !== 0 && requests >= 2 && requests <= 3 && rows === 0;
      return {
        ok,
        detail: `exit ${run.code}, ${requests} requests, "${line.slice(0, 120)}"; ${rows} rows written`,
        requests,
      };
    } finally {
      server.closeAllConnections();
      server.close();
      await env.close();
    }
  });
}

/** PostgreSQL cluster control (chaos script only: it restarts the machine's PostgreSQL). */
export const PG_CLUSTER = {
  version: process.env.BENCH_PG_VERSION ?? '15',
  name: process.env.BENCH_PG_CLUSTER ?? 'main',
};

function pgCluster(action: 'restart' | 'start' | 'status'): void {
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', PG_CLUSTER.version, PG_CLUSTER.name, action], {
    stdio: 'pipe',
    timeout: 120_000,
  });
}

/** Makes sure PostgreSQL runs (after a restart scenario, whatever happened). */
export function ensurePostgresUp(): void {
  try {
    pgCluster('status');
  } catch {
    pgCluster('start');
  }
}

async function waitForPostgres(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const client = await connect(url);
      await client.end();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** PostgreSQL restarts in the middle of a run: the run fails cleanly, the rerun completes exactly. */
export function postgresRestartScenario(options: ChaosOptions): Promise<ScenarioResult> {
  return timed('PostgreSQL restarts mid-run', async () => {
    const env = await setup(options);
    try {
      let restarted = false;
      const first = await sync(options, env.env, {
        killWhen: async () => {
          if (!restarted && (await env.sim.requestCount()) >= 6) {
            restarted = true;
            try {
              pgCluster('restart');
            } finally {
              ensurePostgresUp();
            }
          }
          return false;
        },
      });
      await waitForPostgres(env.db.url);
      if (!restarted) throw new Error('the sync finished before PostgreSQL could be restarted');
      const failedCleanly = first.code !== 0 && !first.killed;
      const second = await sync(options, env.env);
      if (second.code !== 0) throw new Error(`rerun exited ${second.code}: ${oneLine(second)}`);
      const diff = describeDiffs(await compare(env));
      const requests = await env.sim.requestCount();
      return {
        ok: failedCleanly && diff.exact,
        detail: `first run exit ${first.code} in ${(first.ms / 1000).toFixed(1)} s ("${oneLine(first).slice(0, 100)}"); rerun exit 0; ${diff.text}`,
        requests,
      };
    } finally {
      ensurePostgresUp();
      await waitForPostgres(env.db.url).catch(() => {});
      await env.close();
    }
  });
}
