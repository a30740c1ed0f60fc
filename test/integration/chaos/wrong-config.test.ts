/**
 * The fault suite of `npm run chaos` at small scale, on the real CLI (compiled once per run), the simulator in
 * its own process and PostgreSQL. Restarting PostgreSQL and Redis is left to the chaos script: those
 * are shared by the whole test suite. Every scenario ends with an exact comparison against the dataset.
 * This file: a wrong key and a wrong environment.
 */
import { describe, expect, it } from 'vitest';
import { wrongEnvironmentScenario, wrongKeyScenario } from '../../../bench/lib/chaos-scenarios.js';
import { chaosOptions, SCENARIO_TIMEOUT_MS, useChaosDatabase } from '../../support/chaos.js';

useChaosDatabase();

describe('chaos (small scale): a wrong configuration', () => {
  it(
    'a wrong key: one request, a non-zero exit, nothing written, the key never printed',
    async () => {
      const result = await wrongKeyScenario(chaosOptions());
      expect(result.ok, result.detail).toBe(true);
      expect(result.requests).toBe(1);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'a wrong environment (404 everywhere): two or three requests, a non-zero exit, nothing written',
    async () => {
      const result = await wrongEnvironmentScenario(chaosOptions());
      expect(result.ok, result.detail).toBe(true);
      expect(result.requests).toBeLessThanOrEqual(3);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
