/**
 * The pages a benchmark sync reads, rendered once and kept on disk: the simulator's answers to the
 * sync's own requests (`runCapture`, the sync engine walking every stream on a frozen clock), cached
 * under the temporary directory by scale, mix, page size, seed and the code that shapes them. A sync
 * run with SEI_SYNC_CLOCK at the capture's clock against `startReplayServer` then sends exactly the
 * captured requests and gets them from memory: SEI costs the machine next to nothing (issue 24).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '../../src/capture/format.js';
import { runCapture } from '../../src/capture/index.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/observability/logger.js';
import { migrateToLatest, openWarehouse } from '../../src/state/index.js';
import { STREAM_NAMES, type StreamName } from '../../src/streams/types.js';
import { REPO_ROOT } from './build.js';
import { createScratchDatabase } from './database.js';
import {
  BENCH_FIXED_ENDPOINTS,
  BENCH_REQUESTS_PER_MINUTE,
  BENCH_SEED,
  type MixName,
  streamSizesFor,
} from './scenario-data.js';
import { type SimulatorProcess, startSimulatorProcess } from './sim-process.js';

/** More list requests per stream than any bench walk sends: every walk ends by itself. */
const PAGES_PER_STREAM = 1_000_000;
const COUNTS_FILE = 'bench-counts.json';
/** Bumped when what a capture holds changes other than by src/simulator or src/extract (its cache key). */
const CAPTURE_VERSION = 3;

export interface ReplayData {
  dir: string;
  /** SEI_SYNC_CLOCK for a sync that sends the captured requests. */
  clock: string;
  /** Records per stream in the simulator that answered (what an exact sync holds). */
  counts: Record<StreamName, number>;
  /** Whether it was captured by this call (false: read from the cache). */
  captured: boolean;
}

/** The code the captured requests and answers depend on: the simulator and the walks. */
function codeVersion(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD:src/simulator', 'HEAD:src/extract'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .map((tree) => tree.slice(0, 10))
      .join('-');
  } catch {
    return 'unversioned';
  }
}

/**
 * The simulator a capture of `records` in `mix` is made of. Started again, it answers as the capture
 * did (same dataset, same tie shuffles for the same requests in the same order): the replay's fallback
 * for requests the capture does not hold (./replay-with-fallback.ts).
 */
export function startCaptureSimulator(options: { records: number; mix: MixName }): Promise<SimulatorProcess> {
  return startSimulatorProcess({
    records: 0,
    streamSizes: streamSizesFor(options.records, options.mix),
    seed: BENCH_SEED,
    requestLogLimit: 1000,
    fixedEndpoints: BENCH_FIXED_ENDPOINTS,
  });
}

export async function replayDataFor(options: {
  records: number;
  mix: MixName;
  pageSize: string;
}): Promise<ReplayData> {
  const key = `v${CAPTURE_VERSION}-${options.mix}-${options.records}-p${options.pageSize}-s${BENCH_SEED}-${codeVersion()}`;
  const dir = join(tmpdir(), 'sei-bench-replay', key);
  if (existsSync(join(dir, COUNTS_FILE))) {
    const { manifest } = readCapture(dir);
    const counts = JSON.parse(readFileSync(join(dir, COUNTS_FILE), 'utf8')) as Record<StreamName, number>;
    return { dir, clock: manifest.clock, counts, captured: false };
  }
  const sim = await startCaptureSimulator(options);
  const db = await createScratchDatabase('sei_bench_capture');
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    const config = loadConfig({
      SEI_BASE_URL: sim.url,
      SEI_API_KEY: sim.adminKey,
      SEI_PAGE_SIZE: options.pageSize,
      SEI_REQUESTS_PER_MINUTE: BENCH_REQUESTS_PER_MINUTE,
      DATABASE_URL: db.url,
      LOG_LEVEL: 'silent',
    });
    const warehouse = await openWarehouse({ databaseUrl: config.databaseUrl });
    try {
      await migrateToLatest(warehouse);
      const manifest = await runCapture({
        config,
        streams: STREAM_NAMES,
        pages: PAGES_PER_STREAM,
        out: partial,
        redact: false,
        logger: silentLogger,
        warehouse,
        // The bench's syncs steal work (./replay-with-fallback.ts): the capture holds their plan.
        planForStealing: true,
      });
      const incomplete = manifest.streams.filter((stream) => !stream.complete);
      if (incomplete.length > 0)
        throw new Error(
          `replay capture incomplete: ${incomplete.map((s) => `${s.stream} ${s.status} ${s.reason ?? ''}`).join('; ')}`,
        );
    } finally {
      await warehouse.close();
    }
    // A stream SEI answered only with errors (the simulator's cicd_jobs with no job runs answers 500)
    // holds nothing an exact sync could have: it counts 0 here, and the bench says so.
    const { exchanges } = readCapture(partial);
    const counts = {} as Record<StreamName, number>;
    for (const stream of STREAM_NAMES) {
      const answers = exchanges.filter((exchange) => exchange.stream === stream);
      const served = answers.some((exchange) => exchange.response.status < 300);
      counts[stream] = served || answers.length === 0 ? await sim.count(stream) : 0;
      if (!served && answers.length > 0)
        process.stderr.write(`  replay capture: SEI answered ${stream} only with errors; counted as 0\n`);
    }
    writeFileSync(join(partial, COUNTS_FILE), `${JSON.stringify(counts)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
    const { manifest } = readCapture(dir);
    return { dir, clock: manifest.clock, counts, captured: true };
  } finally {
    rmSync(partial, { recursive: true, force: true });
    await db.drop();
    await sim.close();
  }
}
