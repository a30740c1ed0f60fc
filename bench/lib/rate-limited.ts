/**
 * `npm run bench -- --rate-limited [--records 20000]`: the same `sei-sync sync` (the real CLI, a child
 * process, Jira issues only) twice in one run against one simulator process: fault-free, then with 3%
 * of answers 429 without Retry-After (as Harness's edge sends them). Prints both times, their ratio
 * (issue 19's target: at most 1.5) and the load average at the start of each. Each run is added to
 * `runs` and the results files rewritten as soon as it is measured (./results-so-far.ts).
 */
import { loadavg } from 'node:os';
import { loadConfig } from '../../src/config.js';
import { qualified } from '../../src/state/sql-text.js';
import { STREAMS } from '../../src/streams/registry.js';
import { runCli } from './cli-process.js';
import { connect, createScratchDatabase } from './database.js';
import { fetchOnly } from './limits.js';
import type { ResultsSoFar } from './results-so-far.js';
import { BENCH_REQUESTS_PER_MINUTE, BENCH_SEED, streamSizesFor } from './scenario-data.js';
import { startSimulatorProcess } from './sim-process.js';
import { markdownTable } from './table.js';

/** The share of 429s issue 19 measured at Harness's edge. */
export const RATE_LIMITED_SHARE = 0.03;
const SYNC_TIMEOUT_MS = 30 * 60_000;

export interface RateLimitedRun {
  faults: string;
  seconds: number;
  loadAtStart: number;
  records: number;
  exact: boolean;
  rateLimited: number;
  requests: number;
}

export async function benchRateLimited(
  options: { records: number; pageSize: string; cliPath: string },
  runs: RateLimitedRun[],
  results: Pick<ResultsSoFar, 'row'>,
): Promise<void> {
  const sim = await startSimulatorProcess({
    records: 0,
    streamSizes: streamSizesFor(options.records, 'jira'),
    seed: BENCH_SEED,
    requestLogLimit: 100_000,
  });
  const stream = 'jira_issues';
  const env = {
    SEI_BASE_URL: sim.url,
    SEI_API_KEY: sim.adminKey,
    SEI_PAGE_SIZE: options.pageSize,
    SEI_REQUESTS_PER_MINUTE: BENCH_REQUESTS_PER_MINUTE,
    SEI_STREAMS: stream,
    LOG_LEVEL: 'warn',
  };

  const measureRun = async (share: number, label: string): Promise<RateLimitedRun> => {
    await sim.setFaults({ rateLimited: share });
    await sim.clearRequestLog();
    const db = await createScratchDatabase('sei_bench_429');
    try {
      const migrate = await runCli({
        args: ['migrate'],
        cliPath: options.cliPath,
        env: { ...env, DATABASE_URL: db.url },
        timeoutMs: 120_000,
      });
      if (migrate.code !== 0) throw new Error(`migrate failed\n${migrate.stderr.slice(-2000)}`);
      process.stderr.write(`  ${options.records}: sync, faults: ${label}...\n`);
      const loadAtStart = loadavg()[0] ?? 0;
      const sync = await runCli({
        args: ['sync'],
        cliPath: options.cliPath,
        env: { ...env, DATABASE_URL: db.url },
        timeoutMs: SYNC_TIMEOUT_MS,
      });
      if (sync.code !== 0) throw new Error(`sync failed (${label})\n${sync.stderr.slice(-2000)}`);
      const client = await connect(db.url);
      let records: number;
      try {
        const table = STREAMS[stream].table;
        const result = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${qualified(table.schema, table.name)} WHERE deleted_at IS NULL`,
        );
        records = result.rows[0]?.n ?? 0;
      } finally {
        await client.end();
      }
      const log = await sim.requestLog();
      return {
        faults: label,
        seconds: sync.ms / 1000,
        loadAtStart,
        records,
        exact: records === (await sim.count(stream)),
        rateLimited: log.filter((entry) => entry.status === 429).length,
        requests: log.length,
      };
    } finally {
      await db.drop();
    }
  };

  try {
    // Warm-up: the first page sorts the stream once in the simulator; neither measured sync pays it.
    await fetchOnly(loadConfig({ ...env, SEI_MAX_PAGES: '1' }), [stream]).catch(() => undefined);
    for (const share of [0, RATE_LIMITED_SHARE]) {
      const label = share === 0 ? 'none' : `${share * 100}% 429 without Retry-After`;
      await results.row(`sync, faults: ${label}`, async () => {
        runs.push(await measureRun(share, label));
      });
    }
  } finally {
    await sim.close();
  }
}

/** The runs measured so far as a table, and the ratio once both are. */
export function rateLimitedReport(runs: readonly RateLimitedRun[]): {
  ratio: number | undefined;
  markdown: string;
} {
  const [clean, limited] = runs;
  const ratio = clean && limited ? limited.seconds / clean.seconds : undefined;
  const table = markdownTable(
    ['faults', 'sync s', 'records', 'exact', 'requests', '429s', 'load (1 min) at start'],
    runs.map((run) => [
      run.faults,
      run.seconds.toFixed(1),
      String(run.records),
      run.exact ? 'yes' : 'NO',
      String(run.requests),
      String(run.rateLimited),
      run.loadAtStart.toFixed(1),
    ]),
  );
  const ratioLine =
    ratio === undefined
      ? ''
      : `\nWith ${RATE_LIMITED_SHARE * 100}% 429s: ${ratio.toFixed(2)}× the fault-free time (target ≤ 1.5×).\n`;
  return { ratio, markdown: `${table}\n${ratioLine}` };
}
