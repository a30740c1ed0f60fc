/**
 * The small-scale settings of the chaos scenarios (bench/lib/chaos-scenarios.ts) shared by the files of
 * test/integration/chaos/, and the test server they run against.
 */
import { afterAll, beforeAll, inject } from 'vitest';
import type { ChaosOptions } from '../../bench/lib/chaos-scenarios.js';

/** The scenarios' options, on the run's compiled CLI (support/cli-build.ts). */
export function chaosOptions(): ChaosOptions {
  return { records: 2000, pageSize: 100, timeoutMs: 60_000, seed: 3, cliPath: inject('cliPath') };
}
export const SCENARIO_TIMEOUT_MS = 120_000;

/**
 * Points the scenarios' scratch databases (BENCH_DATABASE_URL) at the test server for the calling
 * file, and restores the variable after it.
 */
export function useChaosDatabase(): void {
  let previousUrl: string | undefined;
  beforeAll(() => {
    previousUrl = process.env.BENCH_DATABASE_URL;
    process.env.BENCH_DATABASE_URL = inject('databaseUrl');
  });
  afterAll(() => {
    if (previousUrl === undefined) delete process.env.BENCH_DATABASE_URL;
    else process.env.BENCH_DATABASE_URL = previousUrl;
  });
}
