/**
 * The fault suite of `npm run chaos` at small scale, on the real CLI (through tsx), the simulator in
 * its own process and PostgreSQL. Restarting PostgreSQL and Redis is left to the chaos script: those
 * are shared by the whole test suite. Every scenario ends with an exact comparison against the dataset.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type ChaosOptions,
  faultyServerScenario,
  killNineScenario,
  shiftingPagesScenario,
  wrongEnvironmentScenario,
  wrongKeyScenario,
} from '../../../bench/lib/chaos-scenarios.js';

const options: ChaosOptions = { records: 2000, pageSize: 100, timeoutMs: 60_000, seed: 3 };
const SCENARIO_TIMEOUT_MS = 120_000;
let previousUrl: string | undefined;

beforeAll(() => {
  previousUrl = process.env.BENCH_DATABASE_URL;
  process.env.BENCH_DATABASE_URL = inject('databaseUrl');
});
afterAll(() => {
  if (previousUrl === undefined) delete process.env.BENCH_DATABASE_URL;
  else process.env.BENCH_DATABASE_URL = previousUrl;
});

describe('chaos (small scale)', () => {
  it(
    'SIGKILLed at random points and restarted, the sync loads every record exactly, re-fetching at most the pages in flight',
    async () => {
      const result = await killNineScenario(options, 5);
      expect(result.detail).toMatch(/exact/);
      expect(result.ok, result.detail).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'survives 5% 500s, 2% 429s, 1% resets and 1% truncated bodies',
    async () => {
      const result = await faultyServerScenario(options);
      expect(result.ok, result.detail).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'heals pages shifting under the walk',
    async () => {
      const result = await shiftingPagesScenario(options);
      expect(result.ok, result.detail).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'a wrong key: one request, a non-zero exit, nothing written, the key never printed',
    async () => {
      const result = await wrongKeyScenario(options);
      expect(result.ok, result.detail).toBe(true);
      expect(result.requests).toBe(1);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'a wrong environment (404 everywhere): two or three requests, a non-zero exit, nothing written',
    async () => {
      const result = await wrongEnvironmentScenario(options);
      expect(result.ok, result.detail).toBe(true);
      expect(result.requests).toBeLessThanOrEqual(3);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
