/**
 * The SEI simulator in its own process (forked by ./sim-process.ts), so that benchmarks and fault runs
 * measure the sync over real loopback HTTP without the simulator sharing the sync's event loop.
 * Talks to its parent over IPC: it answers `{id, method, args}` with `{id, result}` or `{id, error}`.
 */
import { startSimulator } from '../../src/simulator/index.js';
import type { FaultOptions, SimulatorOptions } from '../../src/simulator/types.js';
import type { StreamName } from '../../src/streams/types.js';
import { expectedHashes } from './verify.js';

interface Request {
  id: number;
  method: string;
  args: unknown[];
}

const options = JSON.parse(process.argv[2] ?? '{}') as SimulatorOptions;
const sim = await startSimulator(options);

/** Pages served per stream (status 200 with records), from the request log; `failed`: any other answer. */
function pagesServed(): Record<string, { ok: number; failed: number; pages: number[] }> {
  const out: Record<string, { ok: number; failed: number; pages: number[] }> = {};
  for (const entry of sim.requestLog) {
    const stream = entry.path.replace(/^.*\/v1\//, '').replace(/\/list$/, '');
    let slot = out[stream];
    if (slot === undefined) {
      slot = { ok: 0, failed: 0, pages: [] };
      out[stream] = slot;
    }
    if (entry.status === 200 && entry.records > 0) {
      slot.ok += 1;
      slot.pages.push(entry.page ?? -1);
    } else if (entry.status !== 200) slot.failed += 1;
  }
  return out;
}

const methods: Record<string, (...args: never[]) => unknown> = {
  requestCount: () => sim.requestLog.length,
  requestLog: () => sim.requestLog,
  pagesServed,
  clearRequestLog: () => sim.clearRequestLog(),
  setFaults: (faults: Partial<FaultOptions>) => sim.setFaults(faults),
  mutateDuringWalk: (stream: StreamName, page: number, mutation: object) =>
    sim.mutateDuringWalk(stream, page, mutation),
  mutate: (stream: StreamName, mutation: object) => sim.dataset.mutate(stream, mutation),
  count: (stream: StreamName) => sim.dataset.count(stream),
  expectedHashes: (stream: StreamName) => [...expectedHashes(sim.dataset, stream).entries()],
  busyMs: () => sim.busyMs,
};

process.on('message', async (message: Request) => {
  try {
    const method = methods[message.method];
    if (!method) throw new Error(`unknown method ${message.method}`);
    const result = await (method as (...args: unknown[]) => unknown)(...message.args);
    process.send?.({ id: message.id, result });
  } catch (error) {
    process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
// The parent going away (even by SIGKILL) closes the IPC channel: never outlive it.
process.on('disconnect', () => {
  void sim.close().finally(() => process.exit(0));
});
process.send?.({ ready: true, url: sim.url, adminKey: sim.adminKey });
