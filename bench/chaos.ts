/**
 * `npm run chaos [-- --records 100000] [--kills 10] [--page-size 1000] [--skip-postgres-restart] [--skip-redis]`
 *
 * Fault scenarios against the real CLI, each ending with an exact comparison against the simulator's
 * dataset; prints a scenario table and writes it to bench/results/. Restarts the local PostgreSQL
 * (pg_ctlcluster) once, and Redis once: run it on a machine where that is acceptable.
 *
 * The results files are rewritten after each scenario (./lib/results-so-far.ts): a scenario that throws
 * leaves the rows before it and a line saying why, and the suite exits 1. `BENCH_FAIL_AFTER_ROWS=n`
 * fails the scenario after the first n, to see that.
 */
import { parseArgs } from 'node:util';
import { buildCli } from './lib/build.js';
import {
  type ChaosOptions,
  ensurePostgresUp,
  faultyServerScenario,
  killNineScenario,
  postgresRestartScenario,
  type ScenarioResult,
  shiftingPagesScenario,
  wrongEnvironmentScenario,
  wrongKeyScenario,
} from './lib/chaos-scenarios.js';
import { redisRestartScenario } from './lib/redis-scenario.js';
import { ResultsSoFar } from './lib/results-so-far.js';
import { markdownTable } from './lib/table.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    kills: { type: 'string', default: '10' },
    'page-size': { type: 'string', default: '1000' },
    out: { type: 'string', default: 'bench/results' },
    'skip-postgres-restart': { type: 'boolean', default: false },
    'skip-redis': { type: 'boolean', default: false },
  },
});

export function scenarioTable(results: readonly ScenarioResult[]): string {
  return markdownTable(
    ['scenario', 'result', 'requests', 'seconds', 'detail'],
    results.map((r) => [
      r.scenario,
      r.ok ? 'pass' : 'FAIL',
      String(r.requests),
      r.seconds.toFixed(1),
      r.detail,
    ]),
  );
}

const records = Number(values.records);
const options: ChaosOptions = {
  records,
  pageSize: Number(values['page-size']),
  cliPath: buildCli(),
  timeoutMs: 20 * 60_000,
};
const results: ScenarioResult[] = [];
const progress = new ResultsSoFar({
  path: `${values.out}/chaos-${records}`,
  render: () => {
    const stamp = new Date().toISOString();
    return {
      markdown: `# sei-sync fault suite, ${stamp}\n\nCommand: \`npm run chaos -- --records ${records} --kills ${values.kills}\`\n\n${scenarioTable(results)}\n`,
      json: { at: stamp, records, results },
    };
  },
});
/** A scenario, a row of the table as soon as it ends. */
const report = (scenario: string, run: () => Promise<ScenarioResult>) =>
  progress.row(scenario, async () => {
    const result = await run();
    results.push(result);
    process.stderr.write(
      `${result.ok ? 'pass' : 'FAIL'} ${result.scenario} (${result.seconds.toFixed(1)} s): ${result.detail}\n`,
    );
  });
await progress.complete(async () => {
  try {
    await report('kill -9', () => killNineScenario(options, Number(values.kills)));
    if (!values['skip-postgres-restart'])
      await report('PostgreSQL restart', () => postgresRestartScenario(options));
    if (!values['skip-redis'])
      await report('Redis restart', () =>
        redisRestartScenario({ ...options, records: Math.min(records, 20_000) }),
      );
    // Smaller pages: more requests, so more of them meet a fault or a shifted page.
    await report('faulty server', () =>
      faultyServerScenario({ ...options, records: Math.min(records, 20_000), pageSize: 200 }),
    );
    await report('shifting pages', () =>
      shiftingPagesScenario({ ...options, records: Math.min(records, 20_000), pageSize: 200 }),
    );
    await report('wrong key', () => wrongKeyScenario(options));
    await report('wrong environment', () => wrongEnvironmentScenario(options));
  } finally {
    ensurePostgresUp();
  }
});
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
