/**
 * `npm run chaos [-- --records 100000] [--kills 10] [--page-size 1000] [--skip-postgres-restart] [--skip-redis]`
 *
 * Fault scenarios against the real CLI, each ending with an exact comparison against the simulator's
 * dataset; prints a scenario table and writes it to bench/results/. Restarts the local PostgreSQL
 * (pg_ctlcluster) once, and Redis once: run it on a machine where that is acceptable.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
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
const report = (result: ScenarioResult) => {
  results.push(result);
  process.stderr.write(
    `${result.ok ? 'pass' : 'FAIL'} ${result.scenario} (${result.seconds.toFixed(1)} s): ${result.detail}\n`,
  );
};
try {
  report(await killNineScenario(options, Number(values.kills)));
  if (!values['skip-postgres-restart']) report(await postgresRestartScenario(options));
  if (!values['skip-redis'])
    report(await redisRestartScenario({ ...options, records: Math.min(records, 20_000) }));
  // Smaller pages: more requests, so more of them meet a fault or a shifted page.
  report(await faultyServerScenario({ ...options, records: Math.min(records, 20_000), pageSize: 200 }));
  report(await shiftingPagesScenario({ ...options, records: Math.min(records, 20_000), pageSize: 200 }));
  report(await wrongKeyScenario(options));
  report(await wrongEnvironmentScenario(options));
} finally {
  ensurePostgresUp();
}
const table = scenarioTable(results);
const stamp = new Date().toISOString();
const markdown = `# sei-sync fault suite, ${stamp}\n\nCommand: \`npm run chaos -- --records ${records} --kills ${values.kills}\`\n\n${table}\n`;
mkdirSync(values.out!, { recursive: true });
writeFileSync(
  `${values.out}/chaos-${records}.json`,
  `${JSON.stringify({ at: stamp, records, results }, null, 2)}\n`,
);
writeFileSync(`${values.out}/chaos-${records}.md`, markdown);
process.stdout.write(`${markdown}\n`);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
