/**
 * CPU seconds PostgreSQL spent for one database: the backends connected to it, read from /proc while a
 * run goes (PostgreSQL local, same machine). Each backend's user + system time is sampled every
 * SAMPLE_MS and its last reading kept, so a backend that ends mid-run still counts (less at most one
 * sample). Shared server processes (WAL writer, checkpointer, autovacuum) are left out: other
 * databases on a shared server use them too.
 */

import { processCpuSeconds } from './cpu.js';
import { connect } from './database.js';

const SAMPLE_MS = 100;

export interface PgCpuWatch {
  /** Stops sampling; the CPU seconds of the database's backends since `watchDatabaseCpu`. */
  stop(): Promise<number>;
}

export async function watchDatabaseCpu(adminUrl: string, database: string): Promise<PgCpuWatch> {
  const client = await connect(adminUrl);
  /** Per backend pid: CPU seconds when first seen (0 for a backend born during the run), and latest. */
  const backends = new Map<number, { first: number; last: number }>();
  let startedPids: Set<number> | undefined;
  const sample = async () => {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1',
      [database],
    );
    for (const { pid } of rows) {
      const seconds = processCpuSeconds(pid);
      if (seconds === 0) continue;
      const known = backends.get(pid);
      if (known) known.last = seconds;
      // A backend already there at the start counts from its reading then; a new one from 0.
      else backends.set(pid, { first: startedPids === undefined ? seconds : 0, last: seconds });
    }
    startedPids ??= new Set(rows.map((row) => row.pid));
  };
  await sample();
  let sampling = false;
  const timer = setInterval(() => {
    if (sampling) return;
    sampling = true;
    sample()
      .catch(() => {})
      .finally(() => {
        sampling = false;
      });
  }, SAMPLE_MS);
  return {
    async stop() {
      clearInterval(timer);
      while (sampling) await new Promise((resolve) => setTimeout(resolve, 10));
      await sample().catch(() => {});
      await client.end();
      let total = 0;
      for (const { first, last } of backends.values()) total += last - first;
      return total;
    },
  };
}
