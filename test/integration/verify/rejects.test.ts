/**
 * Records the server counts that do not normalize (an unusable key) are stored in `sei_sync.rejects`,
 * not as rows: a bucket whose only difference is such records is equal, its sample says how many, and
 * a heal (which would only reject them again) does not call it healed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamName } from '../../../src/streams/types.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { VERIFY_DEFAULTS } from '../../../src/verify/types.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { verify } from '../../support/verify-runs.js';

const STREAMS: StreamName[] = ['scm_pull_requests', 'workitems'];

describe('verify with records the warehouse rejects', () => {
  let harness: SyncHarness;
  beforeAll(async () => {
    harness = await startSyncHarness({ simulator: { seed: 9, records: 400, hostile: 0.03 } });
    await runSync(harness.engine, { streams: STREAMS, fullRefresh: false, trigger: 'cli' });
  });
  afterAll(async () => harness?.close());

  it('explains a difference made of rejects, with or without a heal', async () => {
    for (const heal of [false, true]) {
      const results = await verify(harness, STREAMS, heal);
      for (const stream of STREAMS) {
        const result = results[stream];
        expect(result.status, stream).toBe('clean');
        const explained = result.buckets.filter((bucket) => bucket.sample !== null);
        expect(explained.length, stream).toBeGreaterThan(0);
        for (const bucket of explained) {
          expect(bucket).toMatchObject({ outcome: 'equal', sample: { missing: [], extra: [] } });
          expect(bucket.server - bucket.warehouse).toBe(bucket.sample?.rejected);
        }
      }
    }
  });
});

describe('verify with rejected records in more buckets than it samples', () => {
  let harness: SyncHarness;
  const stream: StreamName = 'scm_pull_requests';
  beforeAll(async () => {
    harness = await startSyncHarness({ simulator: { seed: 19, records: 1500, hostile: 0.05 } });
    await runSync(harness.engine, { streams: [stream], fullRefresh: false, trigger: 'cli' });
  });
  afterAll(async () => harness?.close());

  it('explains every bucket whose difference is made of rejects', async () => {
    const result = (await verify(harness, [stream], false))[stream];
    const explained = result.buckets.filter((bucket) => bucket.sample !== null && bucket.sample.rejected > 0);
    expect(explained.length).toBeGreaterThan(VERIFY_DEFAULTS.sampledBuckets);
    expect(result.buckets.filter((bucket) => bucket.outcome !== 'equal')).toEqual([]);
    expect(result.status).toBe('clean');
  });
});
