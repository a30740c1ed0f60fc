/**
 * What a replay costs to serve (issue 24 wants a benchmark SEI that costs next to no CPU): captures a
 * 10,000-issue Jira walk of the simulator in 1,000-record pages, then serves its full pages 20 times
 * from the replay server, client and server in this process. `npx tsx bench/replay-cost.ts`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { readCapture } from '../src/capture/format.js';
import { runCapture } from '../src/capture/index.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/observability/logger.js';
import { startSimulator } from '../src/simulator/index.js';
import { startReplayServer } from '../src/simulator/replay/index.js';
import { migrateToLatest, openWarehouse } from '../src/state/index.js';

const sim = await startSimulator({ records: 10_000 });
const dir = join(mkdtempSync(join(tmpdir(), 'rc-')), 'c');
const config = loadConfig({
  SEI_BASE_URL: sim.url,
  SEI_API_KEY: sim.adminKey,
  SEI_PAGE_SIZE: '1000',
  SEI_REQUESTS_PER_MINUTE: '5000',
  LOG_LEVEL: 'silent',
});
let t = performance.now();
const scratch = mkdtempSync(join(tmpdir(), 'rcdb-'));
const wh = await openWarehouse({ dataDir: scratch });
await migrateToLatest(wh);
console.log(`PGlite open+migrate: ${(performance.now() - t).toFixed(0)} ms`);
await wh.close();
t = performance.now();
const m = await runCapture({
  config,
  streams: ['jira_issues'],
  pages: 1000,
  out: dir,
  redact: false,
  logger: silentLogger,
});
console.log(
  `capture jira_issues 10k: ${(performance.now() - t).toFixed(0)} ms, ${m.exchanges} exchanges, complete ${m.streams[0]?.complete}`,
);
await sim.close();
const { exchanges } = readCapture(dir);
const pages = exchanges.filter((e) => (e.response.body as { records?: unknown[] })?.records?.length === 1000);
console.log(`${pages.length} full 1000-record pages`);
t = performance.now();
const replay = await startReplayServer({ dir });
console.log(`replay load+render: ${(performance.now() - t).toFixed(0)} ms`);
const N = 20;
let bytes = 0;
const cpu0 = process.cpuUsage();
t = performance.now();
for (let round = 0; round < N; round++) {
  for (const e of pages) {
    const res = await request(`${replay.url}${e.request.path}?${new URLSearchParams(e.request.query)}`, {
      method: 'POST',
      body: JSON.stringify(e.request.body),
      headers: { 'content-type': 'application/json' },
    });
    const buf = Buffer.from(await res.body.arrayBuffer());
    bytes += buf.length;
  }
}
const cpu = process.cpuUsage(cpu0);
const served = N * pages.length;
console.log(
  `replay: ${served} pages, ${(bytes / served / 1024).toFixed(0)} KiB each, ${((performance.now() - t) / served).toFixed(2)} ms/page wall, CPU ${((cpu.user + cpu.system) / 1000 / served).toFixed(2)} ms/page (server + client in one process)`,
);
await replay.close();
rmSync(join(dir, '..'), { recursive: true, force: true });
rmSync(scratch, { recursive: true, force: true });
