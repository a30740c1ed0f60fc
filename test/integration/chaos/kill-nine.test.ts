/**
 * The fault suite of `npm run chaos` at small scale, on the real CLI (compiled once per run), the simulator in
 * its own process and PostgreSQL. Restarting PostgreSQL and Redis is left to the chaos script: those
 * are shared by the whole test suite. Every scenario ends with an exact comparison against the dataset.
 * This file: kill -9 and restart (server-faults and wrong-config hold the other scenarios).
 */
import { describe, expect, it } from 'vitest';
import { killNineScenario } from '../../../bench/lib/chaos-scenarios.js';
import { chaosOptions, SCENARIO_TIMEOUT_MS, useChaosDatabase } from '../../support/chaos.js';

useChaosDatabase();

describe('chaos (small scale): kill -9', () => {
  it(
    'SIGKILLed at random points and restarted, the sync loads every record exactly, re-fetching at most the pages in flight',
    async () => {
      const result = await killNineScenario(chaosOptions(), 5);
      expect(result.detail).toMatch(/exact/);
      expect(result.ok, result.detail).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
