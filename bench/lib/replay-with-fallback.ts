/**
 * A bench's SEI on `--replay`: the replay server over the captured pages (./replay-data.ts), with the
 * simulator that made the capture as its fallback. A sync's requests that depend on timing (work
 * stealing splits a running slice at the page it reached, with a count and windows never captured) are
 * forwarded to it and answered as the capture would have been. The simulator's process is SEI's: its
 * CPU is not the sync's, and the benches report it apart with the number of requests it answered.
 */
import {
  type ReplayOptions,
  type ReplayServer,
  startReplayServer,
} from '../../src/simulator/replay/index.js';
import { processCpuSeconds } from './cpu.js';
import { type ReplayData, replayDataFor, startCaptureSimulator } from './replay-data.js';
import type { MixName } from './scenario-data.js';

export interface BenchReplay {
  data: ReplayData;
  replay: ReplayServer;
  /**
   * SEI_BASE_URL, SEI_API_KEY and SEI_SYNC_CLOCK for a sync. The key is the fallback simulator's: a
   * forwarded request carries the sync's own key, and the replay accepts any.
   */
  env: Record<string, string>;
  /** Requests answered by the fallback so far, and the CPU seconds its process has used. */
  fallbackUsage(): FallbackUsage;
  close(): Promise<void>;
}

export interface FallbackUsage {
  requests: number;
  cpuSeconds: number;
}

export async function startBenchReplay(options: {
  records: number;
  mix: MixName;
  pageSize: string;
  replay?: Omit<ReplayOptions, 'dir' | 'exchanges' | 'fallback'>;
}): Promise<BenchReplay> {
  const data = await replayDataFor(options);
  const sim = await startCaptureSimulator(options);
  try {
    const replay = await startReplayServer({
      ...options.replay,
      dir: data.dir,
      fallback: { baseUrl: sim.url },
    });
    return {
      data,
      replay,
      env: {
        SEI_BASE_URL: replay.url,
        SEI_API_KEY: sim.adminKey,
        SEI_SYNC_CLOCK: data.clock,
        // Work stealing is off by default; on here, its requests go to the fallback.
        SEI_SYNC_WORK_STEALING: 'true',
      },
      fallbackUsage: () => ({ requests: replay.forwarded, cpuSeconds: processCpuSeconds(sim.pid) }),
      close: async () => {
        await replay.close();
        await sim.close();
      },
    };
  } catch (error) {
    await sim.close();
    throw error;
  }
}

/** What the fallback did between `before` and `after`, for a bench's report. */
export function fallbackSince(before: FallbackUsage, after: FallbackUsage): FallbackUsage {
  return { requests: after.requests - before.requests, cpuSeconds: after.cpuSeconds - before.cpuSeconds };
}

/** One line of a report on a fallback's use. */
export function fallbackNote(label: string, usage: FallbackUsage): string {
  return `${label}: ${usage.requests} requests not captured, answered by the simulator (its process: ${usage.cpuSeconds.toFixed(2)} CPU s, SEI's, not the sync's)`;
}
