/**
 * `/v1/org/units/list` has no ORDER BY at all (a new order on every request) and reports the records
 * on the current page as `total_count`. Offset pages over it skip and repeat units; the list is read
 * whole in one request instead (a page far larger than SEI_PAGE_SIZE), which is one consistent read
 * that decides deletions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../../src/sync/run-sync.js';
import { diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const PAGE_SIZE = 10;

describe('org_units over several pages', () => {
  let harness: SyncHarness;
  beforeAll(async () => {
    harness = await startSyncHarness({
      simulator: { records: 20, seed: 31, streamSizes: { org_units: 24 } },
      env: { SEI_PAGE_SIZE: String(PAGE_SIZE) },
    });
  });
  afterAll(async () => {
    await harness?.close();
  });

  const orgUnitPages = () =>
    harness.simulator.requestLog.filter((e) => e.path.endsWith('/org/units/list') && e.status === 200).length;

  it('walks once (no false re-reads) and marks units deleted in SEI as deleted', async () => {
    const first = await runSync(harness.engine, {
      streams: ['org_units'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(first.status).toBe('succeeded');
    // 24 units with SEI_PAGE_SIZE 10: still one request for the whole list.
    expect(orgUnitPages()).toBe(1);
    expect(await diffStream(harness, 'org_units')).toMatchObject({
      missing: [],
      unexpected: [],
      different: [],
    });

    const { deleted } = harness.simulator.dataset.mutate('org_units', { delete: 2 });
    expect(deleted).toHaveLength(2);
    harness.simulator.clearRequestLog();
    const second = await runSync(harness.engine, {
      streams: ['org_units'],
      fullRefresh: false,
      trigger: 'cli',
    });
    expect(second.status).toBe('succeeded');
    expect(second.results[0]?.status === 'succeeded' && second.results[0].counts.deleted).toBe(2);
    expect(orgUnitPages()).toBe(1);
    expect(await diffStream(harness, 'org_units')).toMatchObject({
      expected: 22,
      actual: 22,
      missing: [],
      unexpected: [],
      different: [],
    });
  });
});
