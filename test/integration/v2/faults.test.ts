/**
 * SEI 2.0 calls meet the same transport faults as the 1.0 lists (429s, 503s with Retry-After, HTML
 * 500s, reset connections) and retry through the shared policy: a sync through them loads exactly
 * what a sync of the same tenant without them loads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startV2Harness, TABLES, type V2Harness } from './harness.js';

describe('SEI 2.0 streams through transport faults', () => {
  let clean: V2Harness;
  let faulty: V2Harness;

  beforeAll(async () => {
    [clean, faulty] = await Promise.all([startV2Harness({ seed: 7 }), startV2Harness({ seed: 7 })]);
  });
  afterAll(async () => {
    await Promise.all([clean?.close(), faulty?.close()]);
  });

  it('load the same rows as without them', async () => {
    expect((await clean.sync()).status).toBe('succeeded');
    faulty.sim.setFaults({
      rateLimited: 0.1,
      unavailable: 0.05,
      retryAfterSeconds: 0,
      serverError: 0.05,
      connectionReset: 0.05,
    });
    const run = await faulty.sync();
    for (const result of run.results) expect(result, result.stream).toMatchObject({ status: 'succeeded' });
    const faults = faulty.sim.requestLog.filter((entry) => entry.path.includes('/v2/') && entry.fault);
    expect(new Set(faults.map((entry) => entry.fault))).toEqual(
      new Set(['rateLimited', 'unavailable', 'serverError', 'connectionReset']),
    );
    const expected = await clean.rows(TABLES);
    expect(expected.length).toBeGreaterThan(1000);
    expect(await faulty.rows(TABLES)).toEqual(expected);
  }, 120_000);
});
