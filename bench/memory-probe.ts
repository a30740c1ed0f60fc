/**
 * `npx tsx bench/memory-probe.ts [records=50000] [heapMiB | --v8-flag[,--v8-flag]...]...`: peak RSS of
 * `sei-sync sync` (compiled) with V8's old space capped at each size (or with the given node flags), to tell live data from heap the GC simply had no reason to
 * return (a sync whose peak falls with the cap, and that still completes, was not holding that memory).
 */
import { Secret } from '../src/secret.js';
import { migrateToLatest } from '../src/state/migrate.js';
import { openWarehouse } from '../src/state/open.js';
import { buildCli } from './lib/build.js';
import { runCli } from './lib/cli-process.js';
import { createScratchDatabase } from './lib/database.js';
import { BENCH_REQUESTS_PER_MINUTE, BENCH_SEED, streamSizesFor } from './lib/scenario-data.js';
import { startSimulatorProcess } from './lib/sim-process.js';

const records = Number(process.argv[2] ?? 50_000);
// A number caps the old space; anything else is a comma-separated list of node flags.
const variants = process.argv
  .slice(3)
  .map((arg) => (/^\d+$/.test(arg) ? [`--max-old-space-size=${arg}`] : arg.split(',')));
const cliPath = buildCli();
const sim = await startSimulatorProcess({
  records: 0,
  streamSizes: streamSizesFor(records),
  seed: BENCH_SEED,
});
try {
  const defaults = [['--max-old-space-size=96'], ['--max-old-space-size=64']];
  for (const flags of [[], ...(variants.length > 0 ? variants : defaults)]) {
    const db = await createScratchDatabase('sei_memory_probe');
    try {
      const warehouse = await openWarehouse({ databaseUrl: new Secret(db.url) });
      await migrateToLatest(warehouse);
      await warehouse.close();
      const run = await runCli({
        args: ['sync'],
        cliPath,
        env: {
          DATABASE_URL: db.url,
          SEI_BASE_URL: sim.url,
          SEI_API_KEY: sim.adminKey,
          SEI_REQUESTS_PER_MINUTE: BENCH_REQUESTS_PER_MINUTE,
        },
        nodeFlags: flags,
        timeoutMs: 30 * 60_000,
      });
      process.stdout.write(
        `${flags.length > 0 ? flags.join(' ') : 'default flags'}: exit ${run.code}, ${(run.ms / 1000).toFixed(1)} s, peak RSS ${run.peakRssMiB} MiB\n`,
      );
    } finally {
      await db.drop();
    }
  }
} finally {
  await sim.close();
}
