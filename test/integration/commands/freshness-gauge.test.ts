import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFreshnessGauge } from '../../../src/commands/freshness-gauge.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { Secret } from '../../../src/secret.js';
import { finishStreamRun, startRun, startStreamRun } from '../../../src/state/ledger.js';
import { openWarehouse, type Warehouse } from '../../../src/state/open.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

describe('the freshness gauge of a starting worker', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  beforeAll(async () => {
    database = await createTestDatabase('sei_test', { migrated: true });
    warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
  });
  afterAll(async () => {
    await warehouse?.close();
    await database?.drop();
  });

  it('starts at each stream last successful sync from the ledger; renormalize runs do not count', async () => {
    const record = async (
      trigger: 'schedule' | 'renormalize',
      stream: string,
      status: 'succeeded' | 'failed',
    ) => {
      const runId = await startRun(warehouse.db, {
        trigger,
        streams: [],
        fullRefresh: false,
        runId: randomUUID(),
      });
      await startStreamRun(warehouse.db, runId, stream);
      await finishStreamRun(warehouse.db, runId, stream, { status });
    };
    await record('schedule', 'org_units', 'succeeded');
    await record('schedule', 'org_users', 'failed');
    await record('renormalize', 'org_users', 'succeeded');
    const metrics = createMetrics({ processMetrics: false });
    await seedFreshnessGauge(metrics, warehouse.db);
    const text = await metrics.scrape();
    const seeded = /sei_sync_stream_last_success_timestamp_seconds\{stream="org_units"\} (\d+(\.\d+)?)/.exec(
      text,
    );
    expect(Math.abs(Number(seeded?.[1]) - Date.now() / 1000)).toBeLessThan(60);
    expect(text).not.toContain('sei_sync_stream_last_success_timestamp_seconds{stream="org_users"}');
  });
});
