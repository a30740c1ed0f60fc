/**
 * The fault suite of `npm run chaos` at small scale, on the real CLI (compiled once per run), the simulator in
 * its own process and PostgreSQL. Restarting PostgreSQL and Redis is left to the chaos script: those
 * are shared by the whole test suite. Every scenario ends with an exact comparison against the dataset.
 * This file: a faulty server and pages shifting under the walk.
 */
import { describe, expect, it } from 'vitest';
import { faultyServerScenario, shiftingPagesScenario } from '../../../bench/lib/chaos-scenarios.js';
import { chaosOptions, SCENARIO_TIMEOUT_MS, useChaosDatabase } from '../../support/chaos.js';

useChaosDatabase();

describe('chaos (small scale): a faulty server', () => {
  it(
    'survives 5% 500s, 2% 429s, 1% resets and 1% truncated bodies',
    async () => {
      const result = await faultyServerScenario(chaosOptions());
      expect(result.ok, result.detail).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'heals pages shifting under the walk',
    async () => {
      const result = await shiftingPagesScenario(chaosOptions());
      expect(result.ok, result.detail).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
