/**
 * `plan` names what the DORA streams will cost: one read of the collections list, then per collection
 * with a workflow profile one request per metric (the simulator: collection 76 + j has profile j mod 4,
 * every fourth none). The real CLI against the simulator; nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanDocument } from '../../../src/commands/json-output.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { runCliJson } from '../../support/cli-json.js';
import { liveRecords } from '../../support/server-edits.js';

let simulator: SimulatorHandleWithExtras;

beforeAll(async () => {
  simulator = await startSimulator({ records: 120, seed: 43 });
});

afterAll(async () => {
  await simulator?.close();
});

describe('plan: DORA', () => {
  it('shows the requests per DORA stream from the collections that have a profile', async () => {
    const units = liveRecords(simulator, 'org_units').map(({ record }) => record);
    const withProfile = units.filter((unit) => unit.workflow_profile_id).length;
    const without = units.length - withProfile;
    const plan = await runCliJson<PlanDocument>(
      ['plan', '--streams', 'dora_buckets,dora_snapshots,dora_drilldown,sei_contributors'],
      { SEI_BASE_URL: simulator.url, SEI_API_KEY: simulator.adminKey, LOG_LEVEL: 'silent' },
    );
    expect(plan.code, plan.output).toBe(0);
    const byStream = Object.fromEntries(plan.document.streams.map((s) => [s.stream, s]));
    // The collections list is read once, booked to the first DORA stream.
    expect(byStream.dora_buckets).toMatchObject({
      mode: 'dora_snapshot',
      requests: 2 * withProfile + 1,
      records: 2 * withProfile * 90,
    });
    expect(byStream.dora_buckets?.note).toContain(`${without} without a profile skipped`);
    expect(byStream.dora_snapshots).toMatchObject({ requests: 4 * withProfile, records: 4 * withProfile });
    expect(byStream.dora_drilldown).toMatchObject({ requests: 2 * withProfile });
    expect(byStream.sei_contributors).toMatchObject({ requests: 1 });
    expect(plan.document.total.requests).toBe(8 * withProfile + 2);
  }, 60_000);

  it('names the SEI 2.0 streams it does not estimate instead of dropping them silently', async () => {
    const plan = await runCliJson<PlanDocument>(['plan', '--streams', 'sei_contributors,v2_org'], {
      SEI_BASE_URL: simulator.url,
      SEI_API_KEY: simulator.adminKey,
      LOG_LEVEL: 'silent',
    });
    expect(plan.code, plan.output).toBe(0);
    expect(plan.document.streams.map((s) => s.stream)).toEqual(['sei_contributors']);
    expect(plan.output).toContain('not estimated (SEI 2.0: one export job per scope');
    expect(plan.output).toContain('v2_org');
  }, 60_000);
});
