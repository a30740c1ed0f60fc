/**
 * `verify --heal` beyond the time buckets: full-refresh lists (whole counts, distinct keys where the
 * server's count is the page size, healed by a full-refresh sync), the embedded database, and a sync
 * scope (only the scope's integrations are compared, healed and deleted); a list whose endpoint always
 * fails (cicd_jobs) is skipped.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamName } from '../../../src/streams/types.js';
import { runSync } from '../../../src/sync/run-sync.js';
import { runVerify } from '../../../src/verify/run-verify.js';
import { migratedPgliteDir } from '../../support/pglite-template.js';
import { liveRecords } from '../../support/server-edits.js';
import { diffStream, type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';
import { differing, expectExact, sql, verify } from '../../support/verify-runs.js';

describe('verify and heal, full-refresh lists', () => {
  const LISTS: StreamName[] = ['org_users', 'org_units', 'collection_categories'];
  let harness: SyncHarness;

  beforeAll(async () => {
    harness = await startSyncHarness({ simulator: { seed: 17, records: 50 } });
    await runSync(harness.engine, { streams: LISTS, fullRefresh: false, trigger: 'cli' });
  });
  afterAll(async () => harness?.close());

  it('compares whole counts (distinct keys where total_count is the page size) and heals by a full-refresh sync', async () => {
    const clean = await verify(harness, LISTS);
    expect(clean.org_users).toMatchObject({ status: 'clean', method: 'total_count', requests: 1 });
    expect(clean.org_units).toMatchObject({ status: 'clean', method: 'distinct_keys' });
    expect(clean.collection_categories).toMatchObject({ status: 'clean', method: 'distinct_keys' });

    const unit = liveRecords(harness.simulator, 'org_units')[3]!.record;
    await sql(harness, 'DELETE FROM sei.org_units WHERE id = $1', [String(unit.id)]);
    await sql(
      harness,
      `UPDATE sei.org_users SET deleted_at = now() WHERE user_key = (SELECT min(user_key) FROM sei.org_users)`,
    );
    const gone = harness.simulator.dataset.mutate('collection_categories', { delete: 1 }).deleted;
    const found = await verify(harness, LISTS);
    expect(found.org_units.buckets[0]).toMatchObject({ outcome: 'differs', range: null });
    expect(found.org_units.buckets[0]?.sample?.missing).toEqual([String(unit.id)]);
    expect(found.org_users.buckets[0]).toMatchObject({ outcome: 'differs' });
    expect(found.collection_categories.buckets[0]?.sample?.extra).toEqual(gone);

    const fixed = await verify(harness, LISTS, true);
    for (const stream of LISTS) expect(fixed[stream].buckets[0]?.outcome, stream).toBe('healed');
    expect(fixed.collection_categories.heal).toMatchObject({ deleted: 1, deletionsDecided: true });
    await expectExact(harness, LISTS);
  });

  it('skips a list whose endpoint fails as the server code does (cicd_jobs), naming the stream its rows come from', async () => {
    await runSync(harness.engine, {
      streams: ['cicd_job_runs', 'cicd_jobs'],
      fullRefresh: false,
      trigger: 'cli',
    });
    const result = await verify(harness, ['cicd_jobs']);
    expect(result.cicd_jobs).toMatchObject({ status: 'skipped', requests: 1, buckets: [] });
    expect(result.cicd_jobs.notes).toEqual([
      expect.stringMatching(
        /^\/v1\/cicd\/jobs\/list answered 500: .*; its rows are derived from cicd_job_runs, verified there$/,
      ),
    ]);
  });
});

describe('verify and heal on the embedded database (PGlite)', () => {
  const STREAMS: StreamName[] = ['jira_issues', 'cicd_job_runs'];
  let dir: string;
  let harness: SyncHarness;

  beforeAll(async () => {
    dir = await migratedPgliteDir('sei-verify-pglite-');
    harness = await startSyncHarness({ simulator: { seed: 18, records: 120 }, pgliteDir: dir });
    await runSync(harness.engine, { streams: STREAMS, fullRefresh: false, trigger: 'cli' });
  });
  afterAll(async () => {
    await harness?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts, heals and deletes the same way', async () => {
    await sql(harness, 'DELETE FROM sei.cicd_job_runs WHERE id = (SELECT min(id) FROM sei.cicd_job_runs)');
    harness.simulator.dataset.mutate('jira_issues', { delete: 1 });
    const found = await verify(harness, STREAMS);
    expect(differing(found.cicd_job_runs)).toHaveLength(1);
    expect(differing(found.jira_issues)).toHaveLength(1);
    const fixed = await verify(harness, STREAMS, true);
    expect(fixed.jira_issues).toMatchObject({ status: 'clean', heal: { deleted: 1 } });
    expect(fixed.cicd_job_runs).toMatchObject({ status: 'clean', heal: { inserted: 1 } });
    await expectExact(harness, STREAMS);
  });
});

describe('verify within a sync scope (SEI_INTEGRATION_IDS)', () => {
  let harness: SyncHarness;
  beforeAll(async () => {
    harness = await startSyncHarness({ simulator: { seed: 20, records: 150 } });
    await runSync(harness.engine, { streams: ['jira_issues'], fullRefresh: false, trigger: 'cli' });
  });
  afterAll(async () => harness?.close());

  it("compares and heals the scope's integrations only, and needs a cursor reached for a scope as wide", async () => {
    const only379 = harness.newEngine({
      config: { ...harness.config, scope: { startDate: undefined, integrationIds: ['379'] } },
    });
    const issues = harness.simulator.dataset.records('jira_issues');
    const lost = ['378', '379'].map((id) => issues.find((issue) => issue.integration_id === id)!);
    for (const issue of lost)
      await sql(harness, 'DELETE FROM sei.jira_issues WHERE integration_id = $1 AND issue_key = $2', [
        issue.integration_id,
        issue.key,
      ]);
    const gone = harness.simulator.dataset.mutate('jira_issues', { delete: 6 }).deleted;
    expect(new Set(gone.map((key) => key.split('/')[0]))).toEqual(new Set(['378', '379']));

    harness.simulator.clearRequestLog();
    const scoped = (await runVerify(only379, { streams: ['jira_issues'], heal: true })).results[0]!;
    expect(scoped.status, JSON.stringify(scoped.error)).toBe('clean');
    const asked = harness.simulator.requestLog.map(
      (entry) => (entry.body?.filter as Record<string, unknown> | undefined)?.integration_ids,
    );
    expect(asked.filter((ids) => JSON.stringify(ids) !== '["379"]')).toEqual([]);
    expect(scoped.heal).toMatchObject({
      inserted: 1,
      deleted: gone.filter((key) => key.startsWith('379/')).length,
    });
    // Nothing of 378 was touched: its lost row is still missing, its rows gone from SEI still live.
    const diff = await diffStream(harness, 'jira_issues');
    const shown = (keys: string[]) => keys.map((key) => key.replace('\u001f', '/')).sort();
    expect(shown(diff.missing)).toEqual([`378/${lost[0]!.key}`]);
    expect(shown(diff.unexpected)).toEqual(gone.filter((key) => key.startsWith('378/')).sort());

    const everything = (await runVerify(harness.engine, { streams: ['jira_issues'], heal: true }))
      .results[0]!;
    expect(everything.status).toBe('clean');
    await expectExact(harness, ['jira_issues']);

    // A cursor reached for 379 alone vouches for nothing wider.
    await runSync(only379, { streams: ['jira_issues'], fullRefresh: true, trigger: 'cli' });
    const wider = (await runVerify(harness.engine, { streams: ['jira_issues'], heal: false })).results[0]!;
    expect(wider.status).toBe('skipped');
    expect(wider.notes.join(' ')).toMatch(/narrower scope/);
  });
});
