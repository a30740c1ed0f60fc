/**
 * Where the latency bench's pages come from, both answering as a loaded tenant would
 * (LOADED_TENANT_LATENCY: a fixed cost, a cost per record on the page and per 1,000 records its offset
 * skips):
 * - `simulator`: the simulator in its own process, generating, filtering and serializing every page on
 *   the bench's machine (at 1M it used 90 CPU seconds, competing with the sync for the cores);
 * - `replay`: the pages the sync asks for, captured once (./replay-data.ts) and served from memory in
 *   this process, the same latency model applied by timer: SEI then costs the machine next to nothing,
 *   as a remote SEI does. What the capture does not hold goes to the simulator that made it
 *   (./replay-with-fallback.ts), its answer given the same latency.
 */
import { LOADED_TENANT_LATENCY } from '../../src/simulator/latency.js';
import type { ReplayServed } from '../../src/simulator/replay/index.js';
import { processCpuSeconds } from './cpu.js';
import { type FallbackUsage, startBenchReplay } from './replay-with-fallback.js';
import { BENCH_SEED, streamSizesFor } from './scenario-data.js';
import { startSimulatorProcess } from './sim-process.js';

export type LatencySourceKind = 'simulator' | 'replay';

/** One request as SEI saw it, for a run's timeline. */
export interface TimelineEntry {
  /** ms since epoch when the request arrived. */
  at: number;
  status: number;
  path: string;
  page: number | undefined;
  pageSize: number | undefined;
  filter: unknown;
  records: number;
}

export interface LatencySource {
  kind: LatencySourceKind;
  /** Settings that point a sync at it (SEI_BASE_URL, SEI_API_KEY, and the replay's clock). */
  env: Record<string, string>;
  /** CPU seconds SEI has used so far (the simulator's process; the replay: this whole bench process). */
  cpuSeconds(): number;
  /** The replay's: requests answered by its fallback simulator so far, and that process's CPU seconds. */
  fallbackUsage(): FallbackUsage | undefined;
  /** The requests answered so far, in order of arrival. */
  timeline(): Promise<TimelineEntry[]>;
  /** Throws when the sync sent a request the replay does not hold (its walk differs from the capture's). */
  assertAllServed(): void;
  close(): Promise<void>;
}

/** Requests the simulator keeps in its log: every request of a 1M walk (about 1,100). */
const SIMULATOR_LOG_LIMIT = 5000;

/** Jira issues only: the scenario's one stream at `records`, every other large stream empty. */
const jiraOnly = (records: number) => streamSizesFor(records, 'jira');

async function simulatorSource(records: number): Promise<LatencySource> {
  const sim = await startSimulatorProcess({
    records: 0,
    streamSizes: jiraOnly(records),
    seed: BENCH_SEED,
    requestLogLimit: SIMULATOR_LOG_LIMIT,
    latency: LOADED_TENANT_LATENCY,
  });
  return {
    kind: 'simulator',
    env: { SEI_BASE_URL: sim.url, SEI_API_KEY: sim.adminKey },
    cpuSeconds: () => processCpuSeconds(sim.pid),
    fallbackUsage: () => undefined,
    timeline: async () =>
      (await sim.requestLog()).map((entry) => ({
        at: entry.at,
        status: entry.status,
        path: entry.path,
        page: entry.page,
        pageSize: entry.pageSize,
        filter: entry.body?.filter ?? {},
        records: entry.records,
      })),
    assertAllServed: () => {},
    close: () => sim.close(),
  };
}

const numberAt = (body: unknown, key: string): number | undefined => {
  const value =
    body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  return typeof value === 'number' ? value : undefined;
};

async function replaySource(records: number, pageSize: number): Promise<LatencySource> {
  const served: ReplayServed[] = [];
  const sei = await startBenchReplay({
    records,
    mix: 'jira',
    pageSize: String(pageSize),
    replay: { latency: LOADED_TENANT_LATENCY, onServe: (answer) => served.push(answer) },
  });
  const { replay } = sei;
  return {
    kind: 'replay',
    env: sei.env,
    cpuSeconds: () => processCpuSeconds(process.pid),
    fallbackUsage: sei.fallbackUsage,
    timeline: async () =>
      served.map((answer) => ({
        at: answer.at,
        status: answer.status,
        path: answer.path,
        page: numberAt(answer.body, 'page'),
        pageSize: numberAt(answer.body, 'page_size'),
        filter: (answer.body as { filter?: unknown } | null)?.filter ?? {},
        records: answer.records,
      })),
    assertAllServed: () => {
      if (replay.misses.length > 0)
        throw new Error(
          `the sync sent ${replay.misses.length} requests the capture does not hold (first: ${replay.misses[0]!.hint})`,
        );
    },
    close: sei.close,
  };
}

export function startLatencySource(
  kind: LatencySourceKind,
  records: number,
  pageSize: number,
): Promise<LatencySource> {
  return kind === 'replay' ? replaySource(records, pageSize) : simulatorSource(records);
}
