/**
 * How fast the simulator serves Jira pages over loopback HTTP (`sei-sync simulator --measure`), so
 * benchmarks can tell whether the simulator or the sync is their bottleneck.
 */
import { SIMULATOR_DEFAULT_SEED, startSimulator } from './index.js';

export interface MeasureOptions {
  /** Jira issues in the dataset. @defaultValue 100000 */
  records?: number;
  /** @defaultValue 1000 */
  pageSize?: number;
  /** Pages timed per pass. @defaultValue 20 */
  pages?: number;
  seed?: number;
}

export interface PageServingMeasurement {
  records: number;
  pageSize: number;
  pages: number;
  /** Sorting the stream once (the first page of a walk pays it). */
  firstPageMs: number;
  /** Pages never built before: records generated and serialized. */
  coldMsPerPage: number;
  /**
   * CPU time (user + system) per new page, simulator and fetch client together (they share this
   * process): unlike wall time, it does not grow when other processes compete for the cores.
   */
  coldCpuMsPerPage: number;
  /** Time the simulator itself spent per new page (generating, sorting, serializing). */
  coldServerMsPerPage: number;
  /** The same pages again (record JSON cached). */
  warmMsPerPage: number;
  bytesPerPage: number;
  coldRecordsPerSecond: number;
}

export async function measurePageServing(options: MeasureOptions = {}): Promise<PageServingMeasurement> {
  const records = options.records ?? 100_000;
  const pageSize = options.pageSize ?? 1000;
  const pages = Math.max(1, Math.min(options.pages ?? 20, Math.floor(records / pageSize) - 1));
  const sim = await startSimulator({ records, seed: options.seed ?? SIMULATOR_DEFAULT_SEED });
  try {
    let bytes = 0;
    const fetchPage = async (page: number) => {
      const response = await fetch(`${sim.url}/v1/jira_issues/list?there_is_no_cache=true`, {
        method: 'POST',
        headers: { authorization: `APIKEY ${sim.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ page, page_size: pageSize, sort: [{ id: 'issue_updated_at', desc: false }] }),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`page ${page}: HTTP ${response.status}`);
      bytes += text.length;
    };
    let started = performance.now();
    await fetchPage(0);
    const firstPageMs = performance.now() - started;
    let cpuMs = 0;
    let serverMs = 0;
    const pass = async () => {
      bytes = 0;
      const busy = sim.busyMs;
      const cpu = process.cpuUsage();
      started = performance.now();
      for (let page = 1; page <= pages; page++) await fetchPage(page);
      const used = process.cpuUsage(cpu);
      cpuMs = (used.user + used.system) / 1000 / pages;
      serverMs = (sim.busyMs - busy) / pages;
      return (performance.now() - started) / pages;
    };
    const coldMsPerPage = await pass();
    const coldCpuMsPerPage = cpuMs;
    const coldServerMsPerPage = serverMs;
    const warmMsPerPage = await pass();
    return {
      records,
      pageSize,
      pages,
      firstPageMs,
      coldMsPerPage,
      coldCpuMsPerPage,
      coldServerMsPerPage,
      warmMsPerPage,
      bytesPerPage: Math.round(bytes / pages),
      coldRecordsPerSecond: Math.round((pageSize * 1000) / coldMsPerPage),
    };
  } finally {
    await sim.close();
  }
}
