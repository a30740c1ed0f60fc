/**
 * `npx tsx bench/write-profile.ts [jiraIssues=20000]` (SEI_PAGE_SIZE to vary the page size): where the
 * write path spends its time. Syncs N Jira issues in process (simulator in its own process), with the
 * history layer on and then off, and prints per SQL statement shape the client-side wall time, the CPU
 * its PostgreSQL backend spent meanwhile (/proc, in clock ticks: a sum over many statements, not one)
 * and the number of statements per page (how many round trips a page costs).
 */
import { Writable } from 'node:stream';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createSeiClient } from '../src/extract/sei/client.js';
import { TokenBucketBudget } from '../src/extract/sei/token-bucket.js';
import { silentLogger } from '../src/observability/logger.js';
import { Secret } from '../src/secret.js';
import { migrateToLatest } from '../src/state/migrate.js';
import { openWarehouse } from '../src/state/open.js';
import { createSyncEngine } from '../src/sync/engine.js';
import { runSync } from '../src/sync/run-sync.js';
import { processCpuSeconds } from './lib/cpu.js';
import { createScratchDatabase } from './lib/database.js';
import { BENCH_REQUESTS_PER_MINUTE } from './lib/scenario-data.js';
import { startSimulatorProcess } from './lib/sim-process.js';

type Query = (this: pg.Client, ...args: unknown[]) => unknown;
const statementMs = new Map<string, number>();
const statementCount = new Map<string, number>();
const statementPgCpuMs = new Map<string, number>();
const query = pg.Client.prototype.query as unknown as Query;
(pg.Client.prototype as unknown as { query: Query }).query = function (this: pg.Client, ...args: unknown[]) {
  const first = args[0] as string | { text?: string } | undefined;
  const text = typeof first === 'string' ? first : (first?.text ?? '');
  const shape = text.replace(/\s+/g, ' ').trim().slice(0, 60);
  const backend = (this as unknown as { processID?: number }).processID;
  const started = performance.now();
  const startedCpu = processCpuSeconds(backend);
  statementCount.set(shape, (statementCount.get(shape) ?? 0) + 1);
  const result = query.apply(this, args);
  const done = () => {
    statementMs.set(shape, (statementMs.get(shape) ?? 0) + performance.now() - started);
    const cpuMs = (processCpuSeconds(backend) - startedCpu) * 1000;
    statementPgCpuMs.set(shape, (statementPgCpuMs.get(shape) ?? 0) + cpuMs);
  };
  // A query answers with a promise; a COPY (pg-copy-streams) with the stream it writes.
  if (result instanceof Promise) result.then(done, () => {});
  else if (result instanceof Writable) result.once('finish', done);
  return result;
};

const issues = Number(process.argv[2] ?? 20_000);
const sim = await startSimulatorProcess({
  records: 0,
  streamSizes: { jira_issues: issues, workitems: 0, scm_commits: 0, scm_pull_requests: 0, cicd_job_runs: 0 },
});
try {
  for (const history of [true, false]) {
    const db = await createScratchDatabase('sei_write_profile');
    const warehouse = await openWarehouse({ databaseUrl: new Secret(db.url) });
    try {
      await migrateToLatest(warehouse);
      const config = loadConfig({
        SEI_BASE_URL: sim.url,
        SEI_API_KEY: sim.adminKey,
        SEI_REQUESTS_PER_MINUTE: BENCH_REQUESTS_PER_MINUTE,
        SEI_PAGE_SIZE: process.env.SEI_PAGE_SIZE ?? '1000',
      });
      const budget = new TokenBucketBudget({ requestsPerMinute: config.sei.requestsPerMinute });
      const client = createSeiClient(config.sei, budget, silentLogger);
      const engine = createSyncEngine({
        warehouse,
        client,
        config,
        logger: silentLogger,
        ...(history ? {} : { changeListener: null }),
      });
      statementMs.clear();
      statementCount.clear();
      statementPgCpuMs.clear();
      const started = performance.now();
      await runSync(engine, { streams: ['jira_issues'], fullRefresh: false, trigger: 'cli' });
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `\n${issues} Jira issues, history ${history ? 'on' : 'off'}: ${seconds.toFixed(2)} s\n`,
      );
      const pages = issues / Number(config.sei.pageSize);
      const total = [...statementCount.values()].reduce((sum, n) => sum + n, 0);
      process.stdout.write(`${(total / pages).toFixed(1)} statements per page of ${config.sei.pageSize}\n`);
      for (const [shape, ms] of [...statementMs.entries()].sort((a, b) => b[1] - a[1]).slice(0, 16))
        process.stdout.write(
          `${ms.toFixed(0).padStart(8)} ms ${(statementPgCpuMs.get(shape) ?? 0).toFixed(0).padStart(6)} ms PG CPU ${((statementCount.get(shape) ?? 0) / pages).toFixed(2).padStart(6)} per page  ${shape}\n`,
        );
      await client.close();
      await budget.close?.();
    } finally {
      await warehouse.close();
      await db.drop();
    }
  }
} finally {
  await sim.close();
}
