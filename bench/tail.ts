/**
 * `npm run bench:tail [-- --records 6000 --crowded 5000 --page-size 50 --latency-ms 200 --rounds 3]`
 *
 * The tail of a walk: most of a stream's records crowded into one hour, which the plan's few counts
 * leave in one slice, against a simulator answering each page in 200 ms + 0.5 ms per record (the walk
 * is bound by latency, not by a busy machine's CPU). One sync
 * in this process per round, on a fresh database; from the simulator's request log, the walk's
 * requests per second in each tenth of its duration. Without work stealing the last tenths are one
 * slice walking alone; with it they are as busy as the middle. Prints medians over the rounds: the walk's
 * seconds, its requests, and the rate of the last tenth over the rate of the middle fifth (40-60 %).
 * Runs unchanged on a commit before work stealing, for the comparison.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createSeiClient } from '../src/extract/sei/client.js';
import { TokenBucketBudget } from '../src/extract/sei/token-bucket.js';
import { silentLogger } from '../src/observability/logger.js';
import { Secret } from '../src/secret.js';
import { startSimulator } from '../src/simulator/index.js';
import { migrateToLatest } from '../src/state/migrate.js';
import { openWarehouse } from '../src/state/open.js';
import { createSyncEngine } from '../src/sync/engine.js';
import { runSync } from '../src/sync/run-sync.js';
import { createScratchDatabase } from './lib/database.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '6000' },
    crowded: { type: 'string', default: '5000' },
    'page-size': { type: 'string', default: '50' },
    'latency-ms': { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
  },
});
const STREAM = 'scm_pull_requests';
const RECORDS = Number(values.records);
const CROWDED = Number(values.crowded);
const PAGE_SIZE = Number(values['page-size']);
const ROUNDS = Number(values.rounds);
const DECILES = 10;

interface Round {
  seconds: number;
  requests: number;
  /** Requests per second in each tenth of the walk. */
  rates: number[];
  tailOverMiddle: number;
  cpuSeconds: number;
}

async function round(): Promise<Round> {
  const simulator = await startSimulator({
    records: 0,
    seed: 41,
    streamSizes: { [STREAM]: RECORDS },
    latency: { fixedMs: Number(values['latency-ms']), perRecordMs: 0.5, perThousandSkippedMs: 0 },
  });
  // The crowded hour: two records a second, from a fixed instant.
  const hour = Date.UTC(2024, 5, 1, 12);
  for (let second = 0; second < CROWDED / 2; second++)
    simulator.dataset.mutate(STREAM, { update: 2 }, hour + second * Math.floor(3_600_000 / (CROWDED / 2)));
  const database = await createScratchDatabase('sei_bench_tail');
  const warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
  try {
    await migrateToLatest(warehouse);
    const config = loadConfig({
      SEI_BASE_URL: simulator.url,
      SEI_API_KEY: simulator.adminKey,
      SEI_PAGE_SIZE: String(PAGE_SIZE),
      SEI_REQUESTS_PER_MINUTE: '5000',
      LOG_LEVEL: 'silent',
    });
    const budget = new TokenBucketBudget({ requestsPerMinute: config.sei.requestsPerMinute, burst: 100 });
    const client = createSeiClient({ ...config.sei }, budget, silentLogger);
    const engine = createSyncEngine({ warehouse, client, config, logger: silentLogger });
    simulator.clearRequestLog();
    const cpu = process.cpuUsage();
    const run = await runSync(engine, { streams: [STREAM], fullRefresh: false, trigger: 'cli' });
    const used = process.cpuUsage(cpu);
    await client.close();
    await budget.close?.();
    const failed = run.results.flatMap((r) =>
      r.status === 'failed' ? [`${r.error.code}: ${r.error.message}`] : [],
    );
    if (run.status !== 'succeeded') throw new Error(`the sync ended ${run.status}: ${failed.join('; ')}`);
    const times = simulator.requestLog.filter((entry) => entry.status === 200).map((entry) => entry.at);
    const start = Math.min(...times);
    const end = Math.max(...times);
    const width = (end - start) / DECILES;
    const counts = Array<number>(DECILES).fill(0);
    for (const at of times) counts[Math.min(DECILES - 1, Math.floor((at - start) / width))]! += 1;
    const rates = counts.map((n) => n / (width / 1000));
    const middle = ((rates[4] ?? 0) + (rates[5] ?? 0)) / 2;
    return {
      seconds: (end - start) / 1000,
      requests: times.length,
      rates,
      tailOverMiddle: (rates[DECILES - 1] ?? 0) / middle,
      cpuSeconds: (used.user + used.system) / 1e6,
    };
  } finally {
    await warehouse.close();
    await database.drop();
    await simulator.close();
  }
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const load = loadavg()[0] ?? 0;
const rounds: Round[] = [];
for (let k = 0; k < ROUNDS; k++) {
  const result = await round();
  rounds.push(result);
  console.log(
    `round ${k + 1}: ${result.seconds.toFixed(1)} s, ${result.requests} requests, req/s by tenth ${result.rates.map((r) => r.toFixed(0)).join(' ')}, last tenth / middle ${result.tailOverMiddle.toFixed(2)}, sync CPU ${result.cpuSeconds.toFixed(1)} s`,
  );
}
console.log(
  `load ${load.toFixed(2)} at start; median of ${ROUNDS}: ${median(rounds.map((r) => r.seconds)).toFixed(1)} s, ${median(rounds.map((r) => r.requests))} requests, last tenth / middle ${median(rounds.map((r) => r.tailOverMiddle)).toFixed(2)}, sync CPU ${median(rounds.map((r) => r.cpuSeconds)).toFixed(1)} s`,
);
